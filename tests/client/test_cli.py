"""``labeler-client`` (labeler_client.cli.main) against the real server: output, exit codes,
the server's message on stderr."""

from __future__ import annotations

import io
import json

import pytest
from labeler_client.cli import main
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD, EventFactory


def test_login_prints_the_token(live_server, manager, monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))

    code = main(["--url", live_server.url, "login", "-u", manager.username, "--password-stdin"])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip() == Token.objects.get(user=manager).key
    assert "LABELER_TOKEN" in err


def test_login_with_a_wrong_password_fails_with_the_servers_message(
    live_server, manager, monkeypatch, capsys
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))

    code = main(["login", "--url", live_server.url, "-u", manager.username, "--password-stdin"])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.startswith("labeler-client: error: Invalid input.")
    assert "HTTP 400, invalid" in err


def test_events_table_and_json(live_server, manager, token_of, team, monkeypatch, capsys) -> None:
    event = EventFactory(team=team, name="Valencia floods")
    monkeypatch.setenv("LABELER_URL", live_server.url)
    monkeypatch.setenv("LABELER_TOKEN", token_of(manager))

    assert main(["events"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "SLUG", "TEAM", "NAME"]
    assert lines[1].split() == [str(event.pk), event.slug, str(team.pk), "Valencia", "floods"]

    assert main(["events", "--json"]) == 0
    assert [e["id"] for e in json.loads(capsys.readouterr().out)] == [event.pk]


def test_options_after_the_command_win_over_none_before(
    live_server, manager, token_of, capsys
) -> None:
    assert main(["events", "--url", live_server.url, "--token", token_of(manager)]) == 0
    assert main(["--url", live_server.url, "--token", token_of(manager), "events"]) == 0
    capsys.readouterr()


def test_a_bad_token_exits_1_with_the_servers_message(live_server, capsys) -> None:
    code = main(["--url", live_server.url, "--token", "nope", "events"])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err == "labeler-client: error: Invalid token. (HTTP 401, authentication_failed)\n"


def test_no_url_exits_1(capsys) -> None:
    assert main(["events"]) == 1
    assert "LABELER_URL" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["create", "1"],  # no --format
        ["create", "1", "--format", "coco", "--split", "0.8,0.2"],
        ["create", "1", "--format", "coco", "--filters", "[1]"],
        ["download", "x", "--format", "coco"],
        [],
    ],
)
def test_a_bad_command_line_exits_2(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)

    assert caught.value.code == 2
    assert "usage: labeler-client" in capsys.readouterr().err
