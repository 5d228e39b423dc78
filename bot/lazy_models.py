"""Importing aiogram without building every one of its models' validators up front.

aiogram declares its ~400 Telegram types with pydantic's `defer_build`, but `aiogram.types` then calls
`model_rebuild` on each of them with a namespace for their forward references, which builds them all at once:
about 100 MB resident, almost all of it for models this bot never receives or sends (stickers, payments,
giveaways, business accounts ...). That is 40 % of the 250 MB that `assistant serve` may use.

During that one import, `model_rebuild` only keeps the namespace on the model, where pydantic itself looks for
it when it builds a deferred model on first use (`__pydantic_parent_namespace__`). Each model is then built the
first time it validates something, against the same names the eager loop would have used. aiogram's API methods
and its generic `Response` (it creates `Response[Message]` and the like per method) get the namespace as well.
`Update`, which every incoming update needs, is built at once so that the first update does not wait for it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel


def import_aiogram() -> None:
    """Import aiogram with its Telegram types' validators built on first use (no-op once aiogram is imported)."""
    if "aiogram" in sys.modules:
        return
    eager = BaseModel.__dict__["model_rebuild"]
    namespaces: dict[int, dict[str, Any]] = {}

    def deferred(cls: type[BaseModel], *args: Any, **kwargs: Any) -> bool | None:
        namespace = kwargs.get("_types_namespace")
        if namespace is not None and not args and cls.model_config.get("defer_build"):
            cls.__pydantic_parent_namespace__ = namespaces.setdefault(id(namespace), dict(namespace))
            return None
        kwargs.setdefault("_parent_namespace_depth", 3)  # the caller's frame, one further out past this one
        build: Callable[..., bool | None] = eager.__func__
        return build(cls, *args, **kwargs)

    BaseModel.model_rebuild = classmethod(deferred)  # type: ignore[method-assign,assignment]
    try:
        import aiogram  # noqa: F401 - the import is the point
        from aiogram.types import Update
    finally:
        BaseModel.model_rebuild = eager  # type: ignore[method-assign]
    (types_namespace,) = namespaces.values()
    for model in _subclasses(BaseModel):
        # API methods (SendMessage ...) and the generic Response (aiogram creates Response[Message] and the like
        # per method) are built on first use as well, and then meet types not built yet: they need the same
        # names (Chat, ChatIdUnion ...) to build those.
        if model.__module__.startswith("aiogram."):
            model.__pydantic_parent_namespace__ = model.__pydantic_parent_namespace__ or types_namespace
    Update.model_rebuild()


def _subclasses(root: type[BaseModel]) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    pending = [root]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                pending.append(sub)
    return found
