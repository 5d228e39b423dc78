"""A small round modelled on document 000 (NTUT 115 碩專班), and helpers to register applicants in it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import pytest
from sqlalchemy import select

from workflows.catalog import DeadlineSpec, ItemSpec, ProgramSpec, RoundSpec, install_round
from workflows.context import Context
from workflows.importers import import_rows
from workflows.models import Registration

ROUND = "test-inservice"
ITEMS = [
    ItemSpec(code="photo", name_zh="照片", name_en="Photo", file_type="jpg", max_mb=5, min_width=450, min_height=600),
    ItemSpec(code="id_front", name_zh="身分證件正面", name_en="ID card (front)", file_type="jpg", max_mb=5),
    ItemSpec(code="id_back", name_zh="身分證件反面", name_en="ID card (back)", file_type="jpg", max_mb=5),
    ItemSpec(code="qualification", name_zh="報考資格審查資料", name_en="Qualification documents", file_type="pdf",
             max_mb=5),
    ItemSpec(code="review", name_zh="書面審查資料", name_en="Written-review documents", file_type="pdf", max_mb=55,
             requires_item="qualification"),
]  # fmt: skip
SPEC = RoundSpec(
    id=ROUND,
    school="國立臺北科技大學",
    name_zh="測試 115 碩士在職專班",
    name_en="Test 115 in-service master's",
    serial_prefix="MD",
    upload_items=ITEMS,
    programs=[
        ProgramSpec(code="260", name_zh="互動設計系碩士班", name_en="Interaction Design", fee=1500),
        ProgramSpec(code="300", name_zh="營建工程系碩士班", name_en="Civil Engineering", fee=1300,
                    recommenders_min=1, recommenders_max=2),
    ],  # fmt: skip
    deadlines=[
        DeadlineSpec(kind="registration", due=datetime(2026, 1, 5, 17, 0), label_zh="報名截止"),
        DeadlineSpec(kind="payment", due=datetime(2026, 1, 5, 23, 59), label_zh="115年01月05日（星期一）前"),
        DeadlineSpec(kind="upload", due=datetime(2026, 1, 6, 15, 0), label_zh="115年01月06日（星期二）下午3點前"),
        DeadlineSpec(kind="recommender", due=datetime(2026, 1, 8, 17, 0), label_zh="推薦函截止"),
        DeadlineSpec(kind="interview", due=datetime(2026, 2, 1, 9, 0), label_zh="面試", program="300"),
        DeadlineSpec(kind="results", due=datetime(2026, 3, 1, 10, 0), label_zh="放榜"),
    ],
)

# Valid national IDs (official checksum), fictitious people.
ALICE_ID, BOB_ID = "A123456789", "B120863158"

Register = Callable[..., Awaitable[int]]


@pytest.fixture
async def round_(ctx: Context) -> str:
    async with ctx.db.transaction() as session:
        await install_round(session, SPEC)
    return ROUND


@pytest.fixture
def register(ctx: Context, round_: str) -> Register:
    """Register an applicant through the real importer; returns the registration id."""
    counter = iter(range(1, 10_000))

    async def _register(serial: str, national_id: str = ALICE_ID, birth: str = "1990-03-15",
                        program: str = "260", email: str = "alice@example.com") -> int:  # fmt: skip
        row = {"round": round_, "program": program, "serial": serial, "name": "王小明", "national_id": national_id,
               "birth_date": birth, "email": email, "phone": "0912-345678",
               "virtual_account": f"9793114513{next(counter):04d}"}  # fmt: skip
        report = await import_rows(ctx, "registrations", [(2, row)])
        assert report.imported, report.errors
        async with ctx.db.sessions() as session:
            reg_id = await session.scalar(select(Registration.id).where(Registration.serial == serial))
        assert reg_id is not None
        return reg_id

    return _register
