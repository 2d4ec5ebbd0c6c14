import os
import stat

import pytest

from adapters.composition import open_volym
from adapters.errors import UserError


def test_sqlite_without_a_key_creates_one_beside_the_database_for_its_owner(tmp_path, monkeypatch):
    monkeypatch.delenv("VOLYM_PSEUDONYM_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'v.db'}"
    with open_volym(url) as first:
        pseudonym = first.pseudonymizer.pseudonym("201205142381")
    key_file = tmp_path / "v.db.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    with open_volym(url) as second:
        assert second.pseudonymizer.pseudonym("201205142381") == pseudonym


def test_postgres_without_a_key_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("VOLYM_PSEUDONYM_KEY", raising=False)
    with pytest.raises(UserError, match="VOLYM_PSEUDONYM_KEY"):
        open_volym("postgresql://postgres@127.0.0.1:5432/postgres")


def test_a_store_refuses_another_pseudonym_key(store_url):
    with open_volym(store_url, pseudonym_key="first-key-0123456789abcdef"):
        pass
    with pytest.raises(UserError, match="another pseudonym key"):
        open_volym(store_url, pseudonym_key="other-key-0123456789abcdef")
    with open_volym(store_url, pseudonym_key="first-key-0123456789abcdef"):
        pass
