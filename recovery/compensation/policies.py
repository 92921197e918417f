"""Empowerment limits as pure functions: what a role may grant, and who must approve the rest.

No database here: services load the policies and the usage (under row locks) and ask these
functions; tests can exercise every rule with plain values.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core.i18n import joined
from recovery.models import ZERO_AMOUNT_KINDS, CompensationKind, EmpowermentPolicy
from staff.models import ROLE_AS_PERSON, ROLE_RANK, Role

ZERO = Decimal("0.00")

# A grant over this many times the top of its guideline is flagged for review (not blocked).
GUIDELINE_FLAG_FACTOR = Decimal(2)

# Who may approve, lowest first; admins have no limits and are the last approver.
APPROVER_ROLES = (Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True)
class Limits:
    """One role's limits in one store. ``None`` is "no limit"."""

    role: str
    max_per_action: Decimal | None
    max_per_day: Decimal | None
    max_per_customer: Decimal | None
    allowed_kinds: frozenset[str]
    allow_zero_amount: bool
    # To complaints without a customer, in one store and business day, by all its staff together.
    max_anonymous_per_day: Decimal | None = None

    @classmethod
    def of(cls, policy: EmpowermentPolicy | None, *, role: str) -> "Limits":
        if role == Role.ADMIN:
            return cls.unlimited(role)
        if policy is None:
            # A role nobody configured may grant nothing on its own: everything goes for approval.
            return cls(role, ZERO, ZERO, ZERO, frozenset(), allow_zero_amount=False, max_anonymous_per_day=ZERO)
        return cls(
            role=role,
            max_per_action=policy.max_per_action,
            max_per_day=policy.max_per_day,
            max_per_customer=policy.max_per_customer,
            allowed_kinds=frozenset(policy.allowed_kinds),
            allow_zero_amount=policy.allow_zero_amount,
            max_anonymous_per_day=policy.max_anonymous_per_day,
        )

    @property
    def zero_amount_kinds(self) -> frozenset[str]:
        """The kinds this role may grant at 0: those of no set value (a free dessert), if the policy allows it."""
        return (self.allowed_kinds & ZERO_AMOUNT_KINDS) if self.allow_zero_amount else frozenset()

    @classmethod
    def unlimited(cls, role: str) -> "Limits":
        return cls(role, None, None, None, frozenset(CompensationKind.values), allow_zero_amount=True)


@dataclass(frozen=True)
class Line:
    kind: str
    amount: Decimal


@dataclass(frozen=True)
class Usage:
    """What already counts against the caps: granted, not merely requested."""

    granted_today: Decimal  # by this staff member, this business day (store's time zone)
    customer_30_days: Decimal | None  # to this customer by anyone, rolling 30 days; None: no customer
    # To complaints without a customer in this store this business day, by anyone; None: there is a customer.
    anonymous_today: Decimal | None = None


@dataclass(frozen=True)
class Excess:
    limit: str  # per_action, per_day, per_customer or anonymous_per_day
    max: Decimal
    requested: Decimal  # what this grant asks: its largest line (per action) or its total
    over: Decimal  # by how much used_before + requested goes over max
    used_before: Decimal | None = None  # for the caps: what was already granted against them

    def as_dict(self) -> dict[str, str]:
        shown = {"limit": self.limit, "max": str(self.max), "requested": str(self.requested)}
        if self.used_before is not None:
            shown["used_before"] = str(self.used_before)
        return shown | {"over": str(self.over)}


def refusals(limits: Limits, lines: Iterable[Line]) -> list[str]:
    """What ``limits``' role may not grant at all, whatever the amount (a 400, not an approval)."""
    messages = []
    for number, line in enumerate(lines, start=1):
        named = {"number": number, "kind": kind_label(line.kind)}
        if line.kind not in limits.allowed_kinds:
            allowed = joined(kind_label(kind) for kind in sorted(limits.allowed_kinds)) or _("none")
            messages.append(
                _("Line %(number)d: your role may not grant a %(kind)s (allowed: %(allowed)s).")
                % (named | {"allowed": allowed})
            )
        elif line.amount == 0 and line.kind not in ZERO_AMOUNT_KINDS:
            messages.append(_("Line %(number)d: a %(kind)s needs an amount above 0.") % named)
        elif line.amount == 0 and not limits.allow_zero_amount:
            messages.append(
                _("Line %(number)d: your role may not grant a %(kind)s of no set value; give its amount.") % named
            )
    return messages


def kind_label(kind: str) -> str:
    """A compensation kind as it reads mid-sentence ("a free item")."""
    return str(CompensationKind(kind).label).lower() if kind in CompensationKind.values else kind


def excesses(limits: Limits, usage: Usage, lines: list[Line]) -> list[Excess]:
    """Every limit that granting ``lines`` now would go over, with by how much; empty: within all."""
    found = []
    largest = max((line.amount for line in lines), default=ZERO)
    total = sum((line.amount for line in lines), ZERO)
    if limits.max_per_action is not None and largest > limits.max_per_action:
        found.append(Excess("per_action", limits.max_per_action, largest, largest - limits.max_per_action))
    caps = [("per_day", limits.max_per_day, usage.granted_today)]
    caps.append(("per_customer", limits.max_per_customer, usage.customer_30_days))
    caps.append(("anonymous_per_day", limits.max_anonymous_per_day, usage.anonymous_today))
    for limit, cap, used in caps:
        if cap is not None and used is not None and used + total > cap:
            found.append(Excess(limit, cap, total, used + total - cap, used_before=used))
    return found


def approver_role_for(
    *,
    above: str,
    limits_by_role: Mapping[str, Limits],
    customer_30_days: Decimal | None,
    lines: list[Line],
    roles_present: Iterable[str],
    anonymous_today: Decimal | None = None,
) -> str:
    """The lowest role above ``above`` whose limits cover ``lines``, among the roles someone holds.

    An approver's own usage today is not known before someone decides, so the role's daily cap
    must cover the request on its own; when the one who decides has used too much of it, the
    request goes up again then.
    """
    present = set(roles_present) | {Role.ADMIN}
    fresh_day = Usage(granted_today=ZERO, customer_30_days=customer_30_days, anonymous_today=anonymous_today)
    for role in APPROVER_ROLES:
        if ROLE_RANK[role] <= ROLE_RANK[Role(above)] or role not in present:
            continue
        limits = limits_by_role[role]
        if not refusals(limits, lines) and not excesses(limits, fresh_day, lines):
            return role
    return Role.ADMIN


@dataclass(frozen=True)
class Assessment:
    """What granting some lines now means for one role: within its limits, or what goes over and who decides."""

    exceeded: list[Excess]
    approver_role: str | None  # the lowest role that may approve, when something is exceeded


def assess(
    *,
    role: str,
    limits_by_role: Mapping[str, Limits],
    usage: Usage,
    lines: list[Line],
    roles_present: Callable[[], Iterable[str]],
) -> Assessment:
    """Within ``role``'s limits, or what they exceed and who must approve. ``roles_present`` is asked
    only when something is exceeded (it reads the store's staff)."""
    exceeded = excesses(limits_by_role[role], usage, lines)
    if not exceeded:
        return Assessment(exceeded=[], approver_role=None)
    approver_role = approver_role_for(
        above=role,
        limits_by_role=limits_by_role,
        customer_30_days=usage.customer_30_days,
        lines=lines,
        roles_present=roles_present(),
        anonymous_today=usage.anonymous_today,
    )
    return Assessment(exceeded=exceeded, approver_role=approver_role)


def role_above(role: str, *, roles_present: Iterable[str]) -> str | None:
    """The next approving role above ``role`` that someone holds (admins always); None above admins."""
    present = set(roles_present) | {Role.ADMIN}
    above = [candidate for candidate in APPROVER_ROLES if ROLE_RANK[candidate] > ROLE_RANK[Role(role)]]
    return next((candidate for candidate in above if candidate in present), None)


def decision_refusal(*, decider_id: int, decider_role: str, requested_by_id: int, approver_role: str) -> str | None:
    """Why this person may not decide a request waiting on ``approver_role``; None when they may.

    Nobody decides their own request, and a request is decided by its role or one above it.
    """
    if decider_id == requested_by_id:
        return _("Nobody decides their own request: %(approver)s other than you must decide it.") % {
            "approver": ROLE_AS_PERSON[approver_role]
        }
    if ROLE_RANK[Role(decider_role)] < ROLE_RANK[Role(approver_role)]:
        return _("This request is above the limits of %(decider)s: it needs %(approver)s.") % {
            "decider": ROLE_AS_PERSON[decider_role],
            "approver": ROLE_AS_PERSON[approver_role],
        }
    return None


def left_today(limits: Limits, usage: Usage) -> Decimal | None:
    if limits.max_per_day is None:
        return None
    return max(limits.max_per_day - usage.granted_today, ZERO)


def left_for_customer(limits: Limits, usage: Usage) -> Decimal | None:
    if limits.max_per_customer is None or usage.customer_30_days is None:
        return None
    return max(limits.max_per_customer - usage.customer_30_days, ZERO)


def above_guideline(amount: Decimal, guideline_max: Decimal | None) -> bool:
    """Above the top of its guideline at all: what a customer's "unusual compensation" flag counts."""
    return guideline_max is not None and amount > guideline_max


def far_above_guideline(amount: Decimal, guideline_max: Decimal | None) -> bool:
    """Far above it (``GUIDELINE_FLAG_FACTOR`` times its top): granted, but flagged for review."""
    return guideline_max is not None and amount > guideline_max * GUIDELINE_FLAG_FACTOR


# Minor units per currency (ISO 4217) where they are not 2: a yen has no cents.
CURRENCY_DECIMALS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "PYG": 0}


def amount_refusals(lines: Iterable[Line], *, currency: str, largest_allowed: Decimal) -> list[str]:
    """Amounts no one may grant in this store: finer than its currency's smallest unit, or above
    the store's largest compensation action (a typing error, not something to approve)."""
    decimals = CURRENCY_DECIMALS.get(currency, 2)
    messages = []
    for number, line in enumerate(lines, start=1):
        if line.amount.as_tuple().exponent < -decimals and line.amount != line.amount.quantize(
            Decimal(1).scaleb(-decimals)
        ):
            messages.append(
                _("Line %(number)d: %(currency)s amounts have at most %(decimals)d decimals.")
                % {"number": number, "currency": currency, "decimals": decimals}
            )
        elif line.amount > largest_allowed:
            messages.append(
                _(
                    "Line %(number)d: %(amount)s %(currency)s is above the largest compensation action allowed in "
                    "this store (%(largest)s %(currency)s); check the amount."
                )
                % {"number": number, "amount": line.amount, "currency": currency, "largest": largest_allowed}
            )
    return messages


def grant_refusals(limits: Limits, lines: list[Line], *, currency: str, largest_allowed: Decimal) -> list[str]:
    """Everything about ``lines`` that no approval can fix: amounts nobody may grant here, kinds this role may not."""
    return amount_refusals(lines, currency=currency, largest_allowed=largest_allowed) + refusals(limits, lines)
