"""``hub check``: each misconfiguration an operator can make is caught, in plain words
naming the variable to change; a right configuration passes."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from hub.checks import Check, Problem
from hub.checks.runner import all_checks, problems, report, run_checks
from hub.settings import Settings
from tests.conftest import (
    TEST_SECRET,
    TWILIO_TEST_SID,
    TWILIO_TEST_TOKEN,
    live_server,
    make_settings,
)

GOOD = {
    "HUB_PUBLIC_URL": "https://support.example.com",
    "HUB_SECRET_KEY": TEST_SECRET,
    "HUB_ALLOWED_ORIGINS": "https://shop.example.com,http://localhost:3000",
    "TWILIO_ACCOUNT_SID": TWILIO_TEST_SID,
    "TWILIO_AUTH_TOKEN": TWILIO_TEST_TOKEN,
    "TWILIO_SMS_NUMBER": "+15550001111",
    "TWILIO_VOICE_NUMBER": "+15550002222",
}


@pytest.fixture
def environ(sqlite_url: str, tmp_path: Path) -> dict[str, str]:
    """A right configuration on a migrated database (each test spoils one thing)."""
    return {**GOOD, "HUB_DATABASE_URL": sqlite_url, "HUB_VAR_DIR": str(tmp_path / "var")}


async def found(environ: dict[str, str], *, serving: bool = True, **kw: Any) -> list[Problem]:
    """The problems ``hub serve`` would find at start (all checks but the public URL's
    reachability, which needs the hub running; tested on its own below)."""
    return problems(await run_checks(Settings.from_env(environ), serving=serving, **kw))


def only(problems_found: list[Problem], setting: str) -> Problem:
    assert [p.setting for p in problems_found] == [setting], problems_found
    return problems_found[0]


async def test_a_right_configuration_has_no_problem(environ: dict[str, str]) -> None:
    assert await found(environ) == []


@pytest.mark.parametrize(
    "url", ["support.example.com", "ftp://support.example.com", "https://", "http//x"]
)
async def test_public_url_without_a_web_scheme(environ: dict[str, str], url: str) -> None:
    problem = only(await found({**environ, "HUB_PUBLIC_URL": url}), "HUB_PUBLIC_URL")
    assert problem.fatal and "not a web address" in problem.message


async def test_public_url_with_a_path(environ: dict[str, str]) -> None:
    problem = only(
        await found({**environ, "HUB_PUBLIC_URL": "https://example.com/support"}),
        "HUB_PUBLIC_URL",
    )
    assert problem.fatal and "root" in problem.message


async def test_plain_http_to_another_machine_is_a_warning(environ: dict[str, str]) -> None:
    problem = only(
        await found({**environ, "HUB_PUBLIC_URL": "http://support.example.com"}),
        "HUB_PUBLIC_URL",
    )
    assert not problem.fatal and "https://" in problem.message
    # On this machine (trying the hub out, with the loopback Twilio) plain http is fine.
    trial = {**environ, "HUB_PUBLIC_URL": "http://127.0.0.1:8000"}
    assert await found({**trial, "TWILIO_API_BASE": "http://127.0.0.1:8099"}) == []


async def test_twilio_cannot_reach_a_loopback_public_url(environ: dict[str, str]) -> None:
    problem = only(
        await found({**environ, "HUB_PUBLIC_URL": "http://localhost:8000"}), "HUB_PUBLIC_URL"
    )
    assert not problem.fatal and "Twilio cannot deliver" in problem.message
    # The loopback simulator (demo, tests) can.
    simulated = {**environ, "HUB_PUBLIC_URL": "http://localhost:8000"}
    assert await found({**simulated, "TWILIO_API_BASE": "http://127.0.0.1:8099"}) == []


@pytest.mark.parametrize(
    "origin", ["shop.example.com", "https://shop.example.com/page", "*", "ws://shop.example"]
)
async def test_allowed_origin_not_an_origin(environ: dict[str, str], origin: str) -> None:
    problem = only(
        await found({**environ, "HUB_ALLOWED_ORIGINS": f"https://ok.example.com,{origin}"}),
        "HUB_ALLOWED_ORIGINS",
    )
    assert problem.fatal and repr(origin) in problem.message


@pytest.mark.parametrize("variable", ["TWILIO_SMS_NUMBER", "TWILIO_VOICE_NUMBER"])
@pytest.mark.parametrize("number", ["555-0100", "15550001111", "+1 555 000 1111", "+0123"])
async def test_twilio_number_not_in_e164(
    environ: dict[str, str], variable: str, number: str
) -> None:
    problem = only(await found({**environ, variable: number}), variable)
    assert problem.fatal and "E.164" in problem.message and "+15551234567" in problem.message


@pytest.mark.parametrize("missing", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"])
async def test_twilio_credentials_only_half_given(environ: dict[str, str], missing: str) -> None:
    environ = {**environ, "TWILIO_SMS_NUMBER": "", "TWILIO_VOICE_NUMBER": ""}
    del environ[missing]
    problem = only(await found(environ), missing)
    assert problem.fatal and "go together" in problem.message


async def test_a_number_without_credentials(environ: dict[str, str]) -> None:
    environ = {k: v for k, v in environ.items() if not k.startswith("TWILIO_")}
    problem = only(
        await found({**environ, "TWILIO_SMS_NUMBER": "+15550001111"}), "TWILIO_SMS_NUMBER"
    )
    assert problem.fatal and "would be refused" in problem.message


async def test_account_sid_that_is_not_one(environ: dict[str, str]) -> None:
    problem = only(await found({**environ, "TWILIO_ACCOUNT_SID": "SK123"}), "TWILIO_ACCOUNT_SID")
    assert not problem.fatal and "AC followed by 32" in problem.message


async def test_browser_phone_keys_only_half_given(environ: dict[str, str]) -> None:
    problem = only(
        await found({**environ, "TWILIO_API_KEY_SID": "SK" + "1" * 32}),
        "TWILIO_API_KEY_SECRET, TWILIO_TWIML_APP_SID",
    )
    assert "go together" in problem.message


async def test_twilio_problems_shared_by_sms_and_voice_are_said_once(
    environ: dict[str, str],
) -> None:
    del environ["TWILIO_AUTH_TOKEN"]
    settings = [p.setting for p in await found(environ)]
    assert settings.count("TWILIO_AUTH_TOKEN") == 1


async def test_secret_key_too_short(environ: dict[str, str]) -> None:
    problem = only(await found({**environ, "HUB_SECRET_KEY": "changeme"}), "HUB_SECRET_KEY")
    assert problem.fatal and "at least 32" in problem.message


async def test_generated_secret_key_is_kept_in_the_var_dir(environ: dict[str, str]) -> None:
    del environ["HUB_SECRET_KEY"]
    settings = Settings.from_env(environ)
    assert problems(await run_checks(settings, serving=True)) == []
    assert (settings.var_dir / "secret_key").read_text() == settings.secret_key
    assert Settings.from_env(environ).secret_key == settings.secret_key  # same after restart


async def test_generated_secret_key_that_others_can_read(environ: dict[str, str]) -> None:
    del environ["HUB_SECRET_KEY"]
    settings = Settings.from_env(environ)
    os.chmod(settings.var_dir / "secret_key", 0o644)
    problem = only(await found(environ), "HUB_SECRET_KEY")
    assert not problem.fatal and "chmod 600" in problem.message


async def test_generated_secret_key_that_cannot_be_read(environ: dict[str, str]) -> None:
    del environ["HUB_SECRET_KEY"]
    settings = Settings.from_env(environ)
    shutil.rmtree(settings.var_dir)  # e.g. a container's var dir that is not a volume
    problem = only(problems(await run_checks(settings, serving=True)), "HUB_SECRET_KEY")
    assert problem.fatal and "HUB_VAR_DIR" in problem.message


async def test_generated_secret_key_with_several_processes(environ: dict[str, str]) -> None:
    del environ["HUB_SECRET_KEY"]
    environ["HUB_REDIS_URL"] = "redis://127.0.0.1:9/0"
    problem = only(await found(environ, checks=named("secret key")), "HUB_SECRET_KEY")
    assert not problem.fatal and "same value in every one" in problem.message


async def test_default_region_not_a_region(environ: dict[str, str]) -> None:
    problem = only(await found({**environ, "HUB_DEFAULT_REGION": "USA"}), "HUB_DEFAULT_REGION")
    assert problem.fatal and "region code" in problem.message


async def test_database_unreachable(environ: dict[str, str]) -> None:
    unreachable = "postgresql+asyncpg://hub:s3cret-pw@127.0.0.1:9/hub"
    problem = only(await found({**environ, "HUB_DATABASE_URL": unreachable}), "HUB_DATABASE_URL")
    assert problem.fatal and "cannot use the database" in problem.message
    assert "s3cret-pw" not in problem.message


async def test_database_not_migrated(environ: dict[str, str], tmp_path: Path) -> None:
    empty = {**environ, "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"}
    problem = only(await found(empty, serving=False, checks=_offline()), "HUB_DATABASE_URL")
    assert problem.fatal and "hub migrate" in problem.message
    # hub serve migrates the database itself: at its start, reachable is enough.
    assert await found(empty) == []


async def test_database_behind_the_code(environ: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        db.execute("INSERT INTO alembic_version VALUES ('0000_older')")
    old = {**environ, "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{path}"}
    problem = only(await found(old, serving=False, checks=_offline()), "HUB_DATABASE_URL")
    assert "does not know" in problem.message


async def test_redis_unreachable(environ: dict[str, str]) -> None:
    problem = only(
        await found({**environ, "HUB_REDIS_URL": "redis://127.0.0.1:9/0"}), "HUB_REDIS_URL"
    )
    assert not problem.fatal and "cannot reach Redis" in problem.message


async def test_public_url_not_reachable(environ: dict[str, str]) -> None:
    checks = named("public URL reachable")
    unreachable = {**environ, "HUB_PUBLIC_URL": "http://127.0.0.1:9"}
    problem = only(await found(unreachable, serving=False, checks=checks), "HUB_PUBLIC_URL")
    assert "cannot be reached from this host" in problem.message


async def test_public_url_reachable_and_answering_as_the_hub(
    sqlite_url: str, tmp_path: Path
) -> None:
    checks = named("public URL reachable")
    async with live_server(make_settings(sqlite_url, tmp_path)) as server:
        settings = Settings.from_env({"HUB_PUBLIC_URL": server.url, "HUB_SECRET_KEY": TEST_SECRET})
        assert problems(await run_checks(settings, checks=checks)) == []
        elsewhere = settings.with_(public_url=server.url + "/static")
        (problem,) = problems(await run_checks(elsewhere, checks=checks))
    assert "answered 404 where the hub answers 200" in problem.message


async def test_report_names_each_check_and_counts_problems(environ: dict[str, str]) -> None:
    outcomes = await run_checks(
        Settings.from_env({**environ, "TWILIO_SMS_NUMBER": "555"}), serving=True
    )
    text = report(outcomes)
    assert "ok       database" in text
    assert "PROBLEM  SMS settings" in text
    assert text.endswith("1 problem found.")


def named(name: str) -> list[Check]:
    return [c for c in all_checks() if c.name == name]


def _offline() -> list[Check]:
    """Every check but the public URL's reachability (the hub is not running here)."""
    return [c for c in all_checks() if c.name != "public URL reachable"]


# -- the channels added in v1.1 -------------------------------------------------------


async def test_whatsapp_number_not_in_e164(environ: dict[str, str]) -> None:
    bad = {**environ, "TWILIO_WHATSAPP_NUMBER": "whatsapp:0044 7700 900123"}
    problem = only(await found(bad), "TWILIO_WHATSAPP_NUMBER")
    assert problem.fatal and "E.164" in problem.message
    good = {**environ, "TWILIO_WHATSAPP_NUMBER": "whatsapp:+447700900123"}
    assert await found(good) == []


async def test_shopify_only_half_configured(environ: dict[str, str]) -> None:
    shop = {**environ, "SHOPIFY_SHOP": "demo.myshopify.com", "SHOPIFY_ACCESS_TOKEN": "shpat_x"}
    problem = only(await found(shop), "SHOPIFY_API_SECRET")
    assert problem.fatal and "go together" in problem.message
    assert await found({**shop, "SHOPIFY_API_SECRET": "s3cret"}) == []


async def test_email_url_that_is_not_one(environ: dict[str, str]) -> None:
    problem = only(await found({**environ, "HUB_IMAP_URL": "mail.example.com"}), "HUB_IMAP_URL")
    assert problem.fatal and "imaps://" in problem.message


async def test_email_replies_without_a_from_address(environ: dict[str, str]) -> None:
    smtp = {**environ, "HUB_SMTP_URL": "smtp://127.0.0.1:2526"}
    problem = only(await found(smtp), "HUB_EMAIL_ADDRESS")
    assert problem.fatal and "From address" in problem.message
    assert await found({**smtp, "HUB_EMAIL_ADDRESS": "support@shop.example"}) == []


def demo_environ() -> dict[str, str]:
    """The settings scripts/run-demo.sh exports (``make run``), its defaults expanded."""
    script = (Path(__file__).resolve().parents[3] / "scripts" / "run-demo.sh").read_text()
    shell = {"PORT": "8000", "SIM_PORT": "8099", "SHOP_PORT": "8098", "MAIL_PORT": "8097"}

    def expand(value: str) -> str:
        value = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: expand(m.group(2)), value)
        return re.sub(r"\$\{?(\w+)\}?", lambda m: shell[m.group(1)], value)

    exports = re.findall(r'^\s*export (\w+)="(.*)"$', script, flags=re.M)
    return {name: expand(value) for name, value in exports}


async def test_make_run_settings_have_no_fatal_problem(tmp_path: Path, sqlite_url: str) -> None:
    """``hub serve`` starts with ``make run``'s demo settings."""
    demo = demo_environ()
    assert {"TWILIO_ACCOUNT_SID", "SHOPIFY_SHOP", "HUB_SMTP_URL"} <= demo.keys()
    environ = {**demo, "HUB_DATABASE_URL": sqlite_url, "HUB_VAR_DIR": str(tmp_path / "var")}
    assert [p for p in await found(environ) if p.fatal] == []
