"""``orion run``'s supervisor: a process that exits is started again; stop ends them all."""

from __future__ import annotations

import io
import sys
import threading
import time

from orion.core.supervisor import Supervisor


def test_a_process_that_exits_is_restarted_and_stop_ends_everything(tmp_path):
    marker = tmp_path / "runs"
    flaky = (f"{sys.executable} -c \"import pathlib; p = pathlib.Path(r'{marker}'); "
             "p.write_text(p.read_text() + 'x' if p.exists() else 'x'); print('flaky ran')\"")
    steady = f"{sys.executable} -c \"import time; print('steady up', flush=True); time.sleep(60)\""
    out = io.StringIO()
    supervisor = Supervisor({"flaky": flaky, "steady": steady}, out=out, grace_seconds=5)
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (marker.exists() and len(marker.read_text()) >= 2):
        time.sleep(0.1)
    supervisor.stop()
    runner.join(timeout=15)
    log = out.getvalue()
    assert not runner.is_alive()
    assert len(marker.read_text()) >= 2, log  # ran, exited, was started again
    assert supervisor.restarts["flaky"] >= 1 and supervisor.restarts["steady"] == 0
    assert "flaky exited with code 0; restarting in 1 s" in log
    assert "steady | steady up" in log
    assert "all processes stopped" in log
