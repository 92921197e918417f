"""A new complaint's one statement (complaints.intake_write): all of it or nothing, and nothing for a known customer."""

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints.intake_write import complaint_insert_with_customer
from complaints.models import Category, Complaint, ComplaintEvent, ComplaintStatus, Customer, Deadline, ReferenceCounter
from complaints.services import intake
from complaints.services.intake import _complaint_prepared
from recovery.metrics.projection import facts_flush
from recovery.models import ComplaintFacts


def new_complaint(org, *, id: uuid.UUID | None = None) -> Complaint:
    return Complaint(
        id=id or uuid.uuid4(),
        store=org.s1,
        channel="in_person",
        category=Category.objects.get(code="food_quality"),
        severity="high",
        stage="in_sale",
        description="The soup was cold.",
        assignee=org.frontline1,
        created_by=org.frontline1,
        status=ComplaintStatus.NEW,
        created_at=timezone.now(),
    )


def write(complaint: Complaint, new_customer: Customer | None) -> bool:
    complaint.customer = new_customer
    opened, logged = _complaint_prepared(complaint, actor=complaint.created_by, now=complaint.created_at, event_data={})
    day = timezone.localdate(complaint.created_at, complaint.store.zone)
    return complaint_insert_with_customer(complaint, opened, logged, reference_day=day, new_customer=new_customer)


def counted() -> dict[str, int]:
    facts_flush()
    return {
        "customers": Customer.objects.count(),
        "complaints": Complaint.objects.count(),
        "deadlines": Deadline.objects.count(),
        "events": ComplaintEvent.objects.count(),
        "facts": ComplaintFacts.objects.count(),
        "numbers given": sum(ReferenceCounter.objects.values_list("last_number", flat=True)),
    }


def test_a_new_customers_complaint_is_written_whole_with_its_reference_and_facts(org):
    complaint = new_complaint(org)
    assert write(complaint, Customer(name="Mr. Li", phone="+8613900139000"))
    stored = Complaint.objects.select_related("customer").get(pk=complaint.pk)
    day = f"{timezone.localdate(complaint.created_at, org.s1.zone):%Y%m%d}"
    assert stored.reference == complaint.reference == f"S1-{day}-0001"
    assert stored.customer.pk == complaint.customer.pk
    assert (stored.customer.name, stored.customer.phone) == ("Mr. Li", "+8613900139000")
    assert stored.created_at == complaint.created_at
    assert stored.next_due_at == complaint.next_due_at
    assert sorted(Deadline.objects.filter(complaint=stored).values_list("step", flat=True)) == ["apologize", "respond"]
    assert list(ComplaintEvent.objects.filter(complaint=stored).values_list("kind", flat=True)) == ["logged"]
    facts_flush()
    assert ComplaintFacts.objects.filter(complaint=stored).exists()  # the event's trigger saw the complaint


def test_a_known_phone_writes_nothing_not_even_a_reference_number(org):
    assert write(new_complaint(org), Customer(name="Mr. Li", phone="+8613900139000"))
    before = counted()
    assert not write(new_complaint(org), Customer(name="Someone else", phone="+8613900139000"))
    assert counted() == before


def test_a_complaint_whose_id_is_taken_leaves_neither_its_customer_nor_a_reference_number(org):
    taken, _ = intake.complaint_log(
        actor=org.frontline1,
        channel="in_person",
        category=Category.objects.get(code="food_quality"),
        stage="in_sale",
        description="The first.",
    )
    before = counted()
    with pytest.raises(IntegrityError), transaction.atomic():
        write(new_complaint(org, id=taken.pk), Customer(name="Ms. Zhao", phone="+8613700137000"))
    assert counted() == before
    assert not Customer.objects.filter(phone="+8613700137000").exists()


def test_references_go_past_four_digits_instead_of_wrapping(org):
    day = timezone.localdate(timezone.now(), org.s1.zone)
    ReferenceCounter.objects.create(store=org.s1, day=day, last_number=9999)
    complaint = new_complaint(org)
    assert write(complaint, None)
    assert complaint.reference == f"S1-{day:%Y%m%d}-10000"
    assert complaint.customer is None
    assert Complaint.objects.get(pk=complaint.pk).customer_id is None
