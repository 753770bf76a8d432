"""The schema comes from Alembic migrations, on SQLite and PostgreSQL alike: upgrading an
empty database gives exactly the tables the code declares, upgrading again changes
nothing, and a database written before migrations is refused with what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, inspect, text

from api.index import Index, make_engine
from api.index.migrate import UnversionedDatabase, alembic_config, upgrade_to_head
from api.index.rows import Participant
from api.index.tables import metadata
from evidence.roles import Role
from evidence.types import Address

HEAD = "0008"


def differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def check_fresh_database(url: str) -> None:
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert tables == set(metadata.tables) | {"alembic_version"}
        assert differences(engine) == []  # the migrations build what tables.py declares
        upgrade_to_head(engine)  # idempotent: nothing left to apply
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD
        index = Index(engine)
        member = Participant(Address("0x" + "ab" * 20), "Rail", "CN-1", "CN", frozenset({Role.CARRIER}), None)
        index.add_participant(member)
        assert index.participant(member.address) == member
    finally:
        engine.dispose()


def test_migrations_on_sqlite(tmp_path: Path) -> None:
    check_fresh_database(f"sqlite:///{tmp_path / 'index.db'}")


def test_migrations_on_postgresql(postgres_url: str) -> None:
    check_fresh_database(postgres_url)


def test_a_database_from_before_migrations_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url)
    with old.begin() as conn:
        conn.execute(text("CREATE TABLE entries (consignment VARCHAR(66), seq INTEGER)"))
    old.dispose()
    with pytest.raises(UnversionedDatabase, match="borderledger reindex"):
        make_engine(url)


def test_an_upgrade_keeps_what_an_older_schema_held(tmp_path: Path) -> None:
    """0001 → head keeps every capture record: 0002 makes EPCIS duplicates per consignment,
    0003 keys them by consignment id and lets two exporters use one reference, 0005 makes the
    record one per entry (a record of no entry has nothing to describe); and back."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA foreign_keys=ON"))  # as the node's
    exporter, other = "0x" + "ab" * 20, "0x" + "cd" * 20
    opened = "0x" + "11" * 32
    consignment = (
        "INSERT INTO consignments (id, reference, exporter, importer, origin, destination, transit, tx_hash, "
        "block_number) VALUES (:id, 'REF-1', :exporter, :exporter, 'CN', 'BE', '', :id, 1)"
    )
    try:
        command.upgrade(alembic_config(engine), "0001")
        with engine.begin() as conn:
            conn.execute(text(consignment), {"id": opened, "exporter": exporter})
            conn.execute(
                text(
                    "INSERT INTO epcis_events (dedupe_key, hash_id, reference, seq, context) "
                    "VALUES ('ni:///sha-256;ab', 'ni:///sha-256;ab', 'REF-1', 4, NULL)"
                )
            )
            conn.execute(
                text("INSERT INTO consignment_parties VALUES (:id, :exporter, 'exporter')"),
                {"id": opened, "exporter": exporter},
            )
        command.upgrade(alembic_config(engine), "0004")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT consignment_id, seq FROM epcis_events")).all() == [(opened, 4)]
            conn.execute(
                text(
                    "INSERT INTO epcis_events (consignment_id, dedupe_key, hash_id, seq, context) "
                    "VALUES (:id, 'payload:0x01', NULL, 7, '[\"https://x.example/ctx\"]')"
                ),
                {"id": opened},
            )
            conn.execute(
                text(
                    "INSERT INTO entries (consignment_id, seq, event_type, prev_hash, payload_hash, payload_cid, "
                    "next_carrier, actor, signature, entry_hash, payload, status, anchor_kind, accepted_at) "
                    "VALUES (:id, 7, 'OBSERVED', :id, :id, 'bafy', :exporter, :exporter, x'00', :hash, '{}', "
                    "'anchored', 'ledger', 0)"
                ),
                {"id": opened, "exporter": exporter, "hash": "0x" + "77" * 32},
            )
        upgrade_to_head(engine)
        assert differences(engine) == []
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT consignment_id, seq, entry_hash, legacy_context FROM epcis_catalogue"))
            assert rows.all() == [(opened, 7, "0x" + "77" * 32, '["https://x.example/ctx"]')]
            conn.execute(text(consignment), {"id": "0x" + "22" * 32, "exporter": other})  # same reference
            assert conn.execute(text("SELECT count(*) FROM consignment_parties")).scalar_one() == 1
            conn.execute(text("DELETE FROM consignments WHERE exporter = :other"), {"other": other})
        command.downgrade(alembic_config(engine), "0004")
        with engine.connect() as conn:  # 0004's code never rebuilt it: it comes back empty
            assert conn.execute(text("SELECT count(*) FROM epcis_events")).scalar_one() == 0
        command.downgrade(alembic_config(engine), "0002")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM epcis_events")).scalar_one() == 0
    finally:
        engine.dispose()
