"""Argon2id at the OWASP minimum (m=19 MiB, t=2, p=1).

Django's default Argon2 parameters (m=100 MiB, p=8) cost several times more per login on a small
server without a matching gain against offline attacks; OWASP's Password Storage Cheat Sheet
lists m=19456 KiB, t=2, p=1 as an accepted Argon2id configuration. Hashes made with other
parameters are upgraded on the next successful login (Django's must_update).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19456
    parallelism = 1
