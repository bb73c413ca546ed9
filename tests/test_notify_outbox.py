"""Delivery never costs data: record first, queue durably, send, acknowledge; kill -9 anywhere."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from alertkit import Bench
from receivers import free_port, receiver  # noqa: F401 (fixture)

from conductatlas_cli.config.notify import build_target
from conductatlas_cli.notify import service
from conductatlas_cli.notify.outbox import MAX_PER_TARGET, Outbox

KEY = "acme/usage-policy"
CHANGE = "We keep API inputs for [-30-]{+60+} days and then delete them."


@pytest.fixture
def bench(project, server):
    """A project tracking one document, recorded once, with an outbox primed at HEAD."""
    bench = Bench(project, server)
    bench.track({KEY: {"type": "Usage Policy"}}, names={"acme": "Acme AI"})
    bench.fetch()
    with bench.archive() as archive:
        service.prime(bench.sources().state_dir, archive)
    return bench


def run(bench, targets, *, warn=None):
    """One `atlas fetch` with alerts: fetch and record, then queue and send."""
    report = bench.fetch()
    return service.notify_after_fetch(bench.sources(), report, targets, warn=warn)


def queued(bench) -> list:
    with Outbox(bench.sources().state_dir) as box:
        return list(box.messages)


def test_a_change_reaches_the_target_in_the_same_run(bench, receiver):  # noqa: F811
    """A recorded change is sent in the run that recorded it, with its provision-level summary."""
    target = build_target({"url": receiver.url("json"), "format": "text"})
    bench.publish(KEY, 60)
    results = run(bench, [target])
    assert [r.to_dict() for r in results] == [
        {"target": "notify #1 (json)", "sent": True, "error": None, "delayed": 0}
    ]
    (got,) = receiver.wait_for(1)
    assert got.data["title"] == "atlas: 1 document changed"
    assert "~ Usage Policy › 3. Data Retention" in got.data["message"]
    assert CHANGE in got.data["message"]
    assert queued(bench) == []


def test_nothing_is_sent_when_nothing_changed(bench, receiver):  # noqa: F811
    """A run with nothing to report sends nothing and queues nothing."""
    target = build_target({"url": receiver.url("json")})
    assert run(bench, [target]) == []
    time.sleep(0.2)
    assert receiver.received == [] and queued(bench) == []


def test_one_message_per_target_per_run(bench, receiver):  # noqa: F811
    """Two changed documents and two targets: each target gets exactly one message."""
    bench.track({KEY: {"type": "Usage Policy"}, "acme/terms": {"type": "Terms"}})
    run(bench, [])
    targets = [
        build_target({"url": receiver.url("json", "/one")}, index=1),
        build_target({"url": receiver.url("json", "/two")}, index=2),
    ]
    bench.publish(KEY, 60)
    bench.publish("acme/terms", 90)
    run(bench, targets)
    got = receiver.wait_for(2)
    time.sleep(0.2)
    assert sorted(r.path for r in receiver.received) == ["/one", "/two"]
    for item in got:
        assert item.data["title"] == "atlas: 2 documents changed"


def test_failed_delivery_is_queued_and_sent_next_run_marked_delayed(bench, receiver):  # noqa: F811
    """A 500 leaves the message queued with a warning; the next run delivers it, once."""
    target = build_target({"url": receiver.url("json")})
    warnings: list[str] = []
    receiver.status = 500
    bench.publish(KEY, 60)
    (result,) = run(bench, [target], warn=warnings.append)
    assert not result.sent and "500" in result.error
    assert warnings == [
        f"notify #1 (json): not delivered ({result.error}); queued for the next run"
    ]
    assert len(queued(bench)) == 1
    receiver.status = 200
    (result,) = run(bench, [target])
    assert result.sent and result.delayed == 1
    (got,) = receiver.wait_for(1)
    assert got.data["title"] == "atlas: 1 document changed (delayed)"
    assert CHANGE in got.data["message"]
    assert run(bench, [target]) == []
    time.sleep(0.2)
    assert len(receiver.received) == 1


def test_queued_message_travels_with_the_next_runs(bench, receiver):  # noqa: F811
    """A queued message and the next run's are sent as one message, the older marked delayed."""
    target = build_target({"url": receiver.url("json")})
    receiver.status = 500
    bench.publish(KEY, 60)
    run(bench, [target])
    receiver.status = 200
    bench.publish(KEY, 90)
    (result,) = run(bench, [target])
    assert result.sent and result.delayed == 1
    (got,) = receiver.wait_for(1)
    assert got.data["title"] == "atlas: 1 document changed (and 1 delayed message)"
    body = got.data["message"]
    assert "Delayed: atlas: 1 document changed, from " in body
    assert body.index("[-60-]{+90+}") < body.index("Delayed:") < body.index("[-30-]{+60+}")


def test_secrets_are_in_no_result_warning_or_outbox(bench, receiver):  # noqa: F811
    """A failing target's password appears in no result, warning or queued message."""
    os.environ["ATLAS_TEST_PW"] = "very-secret-pw"
    try:
        url = f"json://atlas:${{ATLAS_TEST_PW}}@127.0.0.1:{free_port()}/hook?token=tok-123456"
        target = build_target({"url": url, "timeout": 2})
        warnings: list[str] = []
        bench.publish(KEY, 60)
        (result,) = run(bench, [target], warn=warnings.append)
    finally:
        del os.environ["ATLAS_TEST_PW"]
    outbox = (bench.project.root / ".atlas" / "outbox.json").read_text()
    for text in (json.dumps(result.to_dict()), " ".join(warnings), outbox):
        assert "very-secret-pw" not in text and "tok-123456" not in text
        assert "ATLAS_TEST_PW" not in text and "json://" not in text


def test_a_target_that_keeps_failing_keeps_the_newest_messages(bench):
    """The outbox keeps at most MAX_PER_TARGET messages per target, dropping the oldest."""
    from conductatlas_cli.notify.message import Message

    with Outbox(bench.sources().state_dir) as box:
        made = [Message(f"m{i:03d}", "t", "fetch", "2026-11-24T00:00:00Z", "x", "y", "text")
                for i in range(MAX_PER_TARGET + 5)]  # fmt: skip
        assert box.add(made, cursor=box.cursor) == 5
    kept = queued(bench)
    assert len(kept) == MAX_PER_TARGET and kept[0].id == "m005"


def test_a_corrupt_outbox_is_set_aside(bench):
    """A corrupt outbox file is kept aside with a warning, and a new one is started."""
    path = bench.project.root / ".atlas" / "outbox.json"
    path.write_text("{not json")
    warnings: list[str] = []
    with Outbox(path.parent, warn=warnings.append) as box:
        assert box.messages == []
    assert path.with_name("outbox.json.corrupt").read_text() == "{not json"
    assert warnings == [f"'{path}' is corrupt; kept it as 'outbox.json.corrupt'"]


# -- kill -9 -------------------------------------------------------------------------------

# The steps of `service.notify_after_fetch`, in a real process that kills itself (SIGKILL)
# at STOP: right after recording, or right after queuing.
STEPS = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.archive.state import load_state
    from conductatlas_cli.config.load import load_sources
    from conductatlas_cli.run.runner import run_fetch
    from conductatlas_cli.notify import service
    from conductatlas_cli.notify.outbox import Outbox
    from conductatlas_cli.config.notify import build_target

    stop, url = sys.argv[1], sys.argv[2]
    sources = load_sources(Path("sources.yaml"))
    targets = [build_target({"url": url, "timeout": 30})]
    with Archive.from_sources(sources) as archive:
        service.prime(sources.state_dir, archive)
    report = run_fetch(sources)
    if stop == "after-record":
        os.kill(os.getpid(), signal.SIGKILL)
    state = load_state(sources.state_dir)
    with Archive.from_sources(sources) as archive, Outbox(sources.state_dir) as box:
        fresh = service.queue_run(box, archive, sources, report, state, targets)
        if stop == "after-queue":
            os.kill(os.getpid(), signal.SIGKILL)
        service.flush(box, targets, fresh=fresh)
    """
)


def start(bench, stop: str, url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", STEPS, stop, url],
        cwd=bench.project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize("stop", ["after-record", "after-queue"])
def test_kill_9_before_sending_loses_nothing_and_sends_once(bench, receiver, stop):  # noqa: F811
    """kill -9 after recording (or after queuing): the next run sends the change exactly once."""
    bench.publish(KEY, 60)
    proc = start(bench, stop, receiver.url("json"))
    assert proc.wait(60) == -signal.SIGKILL
    assert len(bench.project.commits()) == 3  # init, first version, the change
    time.sleep(0.2)
    assert receiver.received == []
    target = build_target({"url": receiver.url("json")})
    (result,) = run(bench, [target])
    assert result.sent
    (got,) = receiver.wait_for(1)
    assert "(delayed)" in got.data["title"] and CHANGE in got.data["message"]
    assert run(bench, [target]) == []
    time.sleep(0.2)
    assert len(receiver.received) == 1 and queued(bench) == []


def test_kill_9_during_the_send_sends_again_next_run(bench, receiver):  # noqa: F811
    """kill -9 while the service holds the request: nothing lost; the next run sends it again."""
    receiver.hold.clear()
    bench.publish(KEY, 60)
    proc = start(bench, "none", receiver.url("json"))
    deadline = time.monotonic() + 60
    while receiver.started == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.kill()
    proc.wait(10)
    receiver.hold.set()
    target = build_target({"url": receiver.url("json")})
    (result,) = run(bench, [target])
    assert result.sent
    got = receiver.wait_for(2)
    assert len(got) == 2  # the killed run's request reached the receiver: at least once
    assert all(CHANGE in item.data["message"] for item in got)
    assert queued(bench) == []


@pytest.mark.slow
def test_kill_9_at_random_moments_never_loses_an_alert(bench, receiver):  # noqa: F811
    """kill -9 at random moments of fetch + alert: the next run always delivers the change."""
    rng = random.Random(int(os.environ.get("ATLAS_KILL_SEED", "20261125")))
    receiver.delay = 0.1
    target = build_target({"url": receiver.url("json")})
    loops = int(os.environ.get("ATLAS_KILL_LOOPS", "4"))
    for days in range(31, 31 + loops):
        before = len(receiver.received)
        bench.publish(KEY, days)
        proc = start(bench, "none", receiver.url("json"))
        time.sleep(rng.uniform(0.0, 2.5))
        proc.kill()
        proc.wait(10)
        run(bench, [target])
        got = receiver.wait_for(before + 1)[before:]
        assert any(f"{{+{days}+}}" in item.data["message"] for item in got), days
        assert queued(bench) == []
