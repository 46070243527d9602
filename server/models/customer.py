"""Key accounts: the customer profile (background, opportunity data) and its competitors."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..domain import STRATEGY_MATRIX
from .base import Base, Synced, customer_fk

# The profile's sections, for the PWA and CSV export; the fields are plain columns so
# two phones editing different fields of one profile merge without conflict.
BACKGROUND_FIELDS = (
    "org_chart", "bank_account", "finance_contact", "delivery_address", "receiving_contact",
    "using_departments", "purchasing_departments", "supporting_departments",
    "maintenance_staff", "management", "executives", "installed_base", "business",
    "industry_applications",
)
OPPORTUNITY_INFO_FIELDS = (
    "purchase_plans", "main_problem", "decides", "sets_specification", "owns_contract_terms",
    "installs", "maintains", "purchase_timeline", "budget",
)


def _text():
    return mapped_column(sa.Text, default="")


class Customer(Synced, Base):
    __tablename__ = "customers"

    owner_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    # Where the customer is (WGS84 degrees): typed, or set from a check-in there.
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    industry: Mapped[str] = mapped_column(sa.String(100), default="")
    abc_class: Mapped[str | None] = mapped_column(sa.String(1))
    loyalty: Mapped[str | None] = mapped_column(sa.String(20))
    relationship_level: Mapped[str | None] = mapped_column(sa.String(20))
    potential_profit: Mapped[str | None] = mapped_column(sa.String(8))
    payback_period: Mapped[str | None] = mapped_column(sa.String(8))
    # {criterion: 1..5}, see domain.KEY_ACCOUNT_CRITERIA
    key_account_criteria: Mapped[dict] = mapped_column(default=dict)
    is_key_account: Mapped[bool] = mapped_column(default=False)

    # 1. background
    org_chart: Mapped[str] = _text()
    bank_account: Mapped[str] = _text()
    finance_contact: Mapped[str] = _text()
    delivery_address: Mapped[str] = _text()
    receiving_contact: Mapped[str] = _text()
    using_departments: Mapped[str] = _text()
    purchasing_departments: Mapped[str] = _text()
    supporting_departments: Mapped[str] = _text()
    maintenance_staff: Mapped[str] = _text()
    management: Mapped[str] = _text()
    executives: Mapped[str] = _text()
    installed_base: Mapped[str] = _text()
    business: Mapped[str] = _text()
    industry_applications: Mapped[str] = _text()

    # 3. sales opportunity information
    purchase_plans: Mapped[str] = _text()
    main_problem: Mapped[str] = _text()
    decides: Mapped[str] = _text()
    sets_specification: Mapped[str] = _text()
    owns_contract_terms: Mapped[str] = _text()
    installs: Mapped[str] = _text()
    maintains: Mapped[str] = _text()
    purchase_timeline: Mapped[str] = _text()
    budget: Mapped[str] = _text()

    notes: Mapped[str] = _text()

    @property
    def customer_id(self):
        return self.id

    @property
    def development_strategy(self):
        return STRATEGY_MATRIX.get((self.potential_profit, self.payback_period))


class Competitor(Synced, Base):
    """2. competitors: one entry per competitor product in use at a customer."""

    __tablename__ = "competitors"

    customer_id: Mapped[str] = customer_fk()
    competitor: Mapped[str] = mapped_column(sa.String(200))
    product: Mapped[str] = mapped_column(sa.String(200), default="")
    satisfaction: Mapped[str | None] = mapped_column(sa.String(8))
    rep_name: Mapped[str] = mapped_column(sa.String(120), default="")
    selling_style: Mapped[str] = mapped_column(sa.Text, default="")
    relationship: Mapped[str] = mapped_column(sa.Text, default="")


class CustomerShare(Base):
    """A customer shared with a rep who does not own it (read and write, not personal data)."""

    __tablename__ = "customer_shares"

    customer_id: Mapped[str] = mapped_column(sa.ForeignKey("customers.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, index=True)
