"""The rounds, programs, upload items and dates of the five source documents (data/catalog.yaml).

The demo-data generator installs them (shifted so a round is open today); the importer checks programs
against them; tests build small catalogs of their own with the same models.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.clock import TAIPEI
from workflows.models import Deadline, Program, Round, UploadItem

CATALOG_FILE = Path(__file__).with_name("data") / "catalog.yaml"
MB = 1024 * 1024


class ItemSpec(BaseModel):
    code: str
    name_zh: str
    name_en: str
    file_type: str
    max_mb: float
    min_width: int | None = None
    min_height: int | None = None
    requires_payment: bool = True
    requires_item: str | None = None
    required: bool = True


class ProgramSpec(BaseModel):
    code: str
    name_zh: str
    name_en: str = ""
    fee: int
    recommenders_min: int = 0
    recommenders_max: int = 0
    upload_items: list[ItemSpec] | None = None


class DeadlineSpec(BaseModel):
    kind: str
    due: datetime  # local Asia/Taipei time, as the documents write it
    starts: datetime | None = None
    label_zh: str = ""
    label_en: str = ""
    place: str | None = None
    program: str | None = None


class RoundSpec(BaseModel):
    id: str
    school: str
    name_zh: str
    name_en: str
    serial_prefix: str = ""
    source: str = ""
    deadlines: list[DeadlineSpec] = Field(default_factory=list)
    upload_items: list[ItemSpec] = Field(default_factory=list)
    programs: list[ProgramSpec]

    def anchor(self) -> datetime:
        """The date demo data shifts to "soon": the payment deadline, else the first deadline."""
        kinds = {d.kind: d.due for d in self.deadlines}
        return kinds.get("payment") or min(kinds.values())


class Catalog(BaseModel):
    rounds: list[RoundSpec]


def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    """Read and validate the catalog file."""
    with path.open(encoding="utf-8") as handle:
        return Catalog.model_validate(yaml.safe_load(handle))


def _utc(local: datetime, shift: timedelta) -> datetime:
    aware = local if local.tzinfo else local.replace(tzinfo=TAIPEI)
    return aware + shift


async def install_round(session: AsyncSession, spec: RoundSpec, shift: timedelta = timedelta(0)) -> Round:
    """Create (or replace the dates and items of) one round; dates move by `shift`."""
    round_ = await session.get(Round, spec.id)
    if round_ is None:
        round_ = Round(id=spec.id)
        session.add(round_)
    round_.school, round_.name_zh, round_.name_en = spec.school, spec.name_zh, spec.name_en
    round_.serial_prefix = spec.serial_prefix
    await session.flush()
    existing = {p.code: p for p in await session.scalars(select(Program).where(Program.round_id == spec.id))}
    for ps in spec.programs:
        program = existing.get(ps.code) or Program(round_id=spec.id, code=ps.code)
        program.name_zh, program.name_en, program.fee = ps.name_zh, ps.name_en, ps.fee
        program.recommenders_min, program.recommenders_max = ps.recommenders_min, ps.recommenders_max
        session.add(program)
        await session.flush()
        await session.execute(delete(UploadItem).where(UploadItem.program_id == program.id))
        items = ps.upload_items if ps.upload_items is not None else spec.upload_items
        for position, item in enumerate(items):
            session.add(
                UploadItem(
                    program_id=program.id, position=position, max_bytes=int(item.max_mb * MB),
                    **item.model_dump(exclude={"max_mb"}),
                )
            )  # fmt: skip
        existing[ps.code] = program
    await session.execute(delete(Deadline).where(Deadline.round_id == spec.id))
    for d in spec.deadlines:
        session.add(
            Deadline(
                round_id=spec.id, kind=d.kind, due_at=_utc(d.due, shift),
                starts_at=_utc(d.starts, shift) if d.starts else None, label_zh=d.label_zh,
                label_en=d.label_en, place=d.place,
                program_id=existing[d.program].id if d.program else None,
            )
        )  # fmt: skip
    await session.flush()
    return round_
