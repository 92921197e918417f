"""Static files: hashed and compressed once `collectstatic` has run, served under their own names until then."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestOnceCollectedStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage, which a fresh clone can run without `collectstatic`.

    With nothing collected there is no manifest, and WhiteNoise's storage fails every
    ``{% static %}`` (the API's docs answer 500 with DEBUG off). Until then, URLs keep the files'
    own names and WhiteNoise serves them from the apps (``WHITENOISE_USE_FINDERS``). Once
    collected, a name missing from the manifest is an error, as before.
    """

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # no manifest: collectstatic has not run
            return name
        return super().stored_name(name)
