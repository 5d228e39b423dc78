"""What every service needs: the store, the clock, the secret. Built once by the composition root."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from workflows.clock import Clock, SystemClock
from workflows.db import Database
from workflows.identity import HashedId, ValidId, hash_id, mask_id, validate_id
from workflows.settings import Settings


@dataclass(frozen=True)
class Context:
    """The store, settings, clock and secret key, passed explicitly to services (no global state)."""

    db: Database
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @property
    def secret(self) -> bytes:
        """The key for hashing IDs and codes (ConfigError outside demo mode when unset)."""
        return self.settings.secret_key()

    def id_hash(self, valid: ValidId) -> str:
        """Keyed hash of a national ID, as stored."""
        return hash_id(valid, self.secret)

    def hashed_id(self, raw: str | HashedId) -> HashedId:
        """Validate and hash an ID typed by a person (IdentityError when invalid); a HashedId passes through."""
        if isinstance(raw, HashedId):
            return raw
        valid = validate_id(raw)
        return HashedId(hash_id(valid, self.secret), mask_id(valid.value))

    def code_hash(self, purpose: str, code: str) -> str:
        """Keyed hash of a one-time code, bound to its purpose."""
        return hmac.new(self.secret, f"{purpose}:{code}".encode(), hashlib.sha256).hexdigest()
