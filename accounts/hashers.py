"""
Provides the hasher that verifies plain bcrypt hashes imported from the earlier service.
"""

import bcrypt
from django.contrib.auth.hashers import BCryptPasswordHasher

BCRYPT_MAX_PASSWORD_BYTES = 72


class LegacyBCryptPasswordHasher(BCryptPasswordHasher):
    """
    Verifies `bcrypt$$2b$...` hashes as the earlier service made them. The bcrypt it used
    silently read only the first 72 bytes of a password; bcrypt 5 raises on longer input instead,
    so the bytes are cut the same way here. Django re-hashes with BCryptSHA256 on the first
    successful login, so this hasher never makes a new hash of its own.
    """

    def encode(self, password: str, salt: bytes | str) -> str:
        salt_bytes = salt.encode("ascii") if isinstance(salt, str) else salt
        data = bcrypt.hashpw(password.encode()[:BCRYPT_MAX_PASSWORD_BYTES], salt_bytes)
        return f"{self.algorithm}${data.decode('ascii')}"
