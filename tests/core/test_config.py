from pathlib import Path

from core.config import Settings


def test_defaults_are_the_embedded_setup(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for key in ("DOJO_DATA_DIR", "DOJO_DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    s = Settings()
    assert s.resolved_database_url == f"sqlite:///{(Path('data') / 'dojo.sqlite3').resolve()}"
    assert s.whisper_engine == "faster-whisper"
    assert s.min_group_size == 5 and s.lockout_attempts == 5 and s.lockout_minutes == 15
    assert any("こころの耳" in c.name for c in s.support_contacts)


def test_environment_and_dotenv(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DOJO_MIN_GROUP_SIZE=7\n", encoding="utf-8")
    monkeypatch.setenv("DOJO_DATABASE_URL", "postgresql+psycopg://u@h:5432/d")
    monkeypatch.setenv("DOJO_SUPPORT_CONTACTS", '[{"name": "相談室", "phone": "03-0000-0000"}]')
    monkeypatch.setenv("NAME", "must not leak into contacts")
    s = Settings()
    assert s.min_group_size == 7
    assert s.resolved_database_url == "postgresql+psycopg://u@h:5432/d"
    assert [c.name for c in s.support_contacts] == ["相談室"]
