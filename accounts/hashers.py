"""
Provides the hasher that verifies plain bcrypt hashes imported from the earlier service.
"""

import bcrypt
from django.contrib.auth.hashers import BCryptPasswordHasher, get_hasher

BCRYPT_MAX_PASSWORD_BYTES = 72


class LegacyBCryptPasswordHasher(BCryptPasswordHasher):
    """
    Verifies `bcrypt$$2b$...` hashes as the earlier service made them. The bcrypt it used
    silently read only the first 72 bytes of a password; bcrypt 5 raises on longer input instead,
    so the bytes are cut the same way here. Django re-hashes with BCryptSHA256 on the first
    successful login, so this hasher never makes a new hash of its own.
    """

    def harden_runtime(self, password: str, encoded: str) -> None:
        """
        Spend on a wrong password what the preferred hasher's check costs (BCryptSHA256: one bcrypt
        at its rounds): 2**(rounds - cost) - 1 more bcrypt runs at the imported hash's cost, so that
        an imported hash of a cheaper cost fails no faster than one of ours. Django's own
        harden_runtime counts up to this class's rounds, which follow BCryptPasswordHasher's, not
        the preferred hasher's.
        """
        salt = encoded.split("$", 1)[1][:29]  # "$2b$NN$" and 22 characters of salt
        cost = int(salt.split("$")[2])
        target = getattr(get_hasher(), "rounds", self.rounds)
        for _ in range(2 ** max(target - cost, 0) - 1):
            self.encode(password, salt)

    def encode(self, password: str, salt: bytes | str) -> str:
        salt_bytes = salt.encode("ascii") if isinstance(salt, str) else salt
        data = bcrypt.hashpw(password.encode()[:BCRYPT_MAX_PASSWORD_BYTES], salt_bytes)
        return f"{self.algorithm}${data.decode('ascii')}"
