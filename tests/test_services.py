"""The test servers themselves: real Redis and PostgreSQL on loopback, stopped afterwards."""

import subprocess

import redis as redis_client

from tests.services import PostgresServer, RedisServer, _pg_bin


def test_redis_answers_and_stops(redis: RedisServer) -> None:
    client = redis_client.Redis.from_url(redis.url)
    client.set("mediamon:probe", "1")
    assert client.get("mediamon:probe") == b"1"
    client.close()


def test_postgres_answers(postgres: PostgresServer) -> None:
    bindir = _pg_bin()
    assert bindir is not None
    out = subprocess.run(
        [
            str(bindir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(postgres.port),
            "-U",
            postgres.user,
            "-d",
            postgres.dbname,
            "-tAc",
            "SELECT 40 + 2",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "42"
