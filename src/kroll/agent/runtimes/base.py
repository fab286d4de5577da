"""The seam between the node agent and whatever runs containers.

The agent plays kubelet: it decides *what* should run (restart policy, CrashLoopBackOff,
init-container order, graceful deletion) and writes pod status. A runtime only runs
containers and reports on them, the way a CRI runtime plus kubelet's prober would. The split
follows upstream:

| concern                                   | owner   | upstream                              |
|-------------------------------------------|---------|---------------------------------------|
| start / stop one container                | runtime | CRI CreateContainer/StartContainer/StopContainer |
| container state, exit code, timestamps    | runtime | CRI ContainerStatus                   |
| probe outcome after thresholds            | runtime | pkg/kubelet/prober (worker.go)        |
| logs of the current and previous instance | runtime | CRI log files (kuberuntime_logs)      |
| restartCount, lastState, back-off         | agent   | pkg/kubelet/kuberuntime (doBackOff)   |
| phase, conditions, containerStatuses      | agent   | pkg/kubelet/status (generate.go)      |

**Probe results are reported after thresholds** (`ProbeResults.ready` is what kubelet's results
manager would hold: initial delay, period, success/failure thresholds already applied, and a
container without a readinessProbe is ready as soon as it runs). A runtime that runs real
probes keeps a small prober per container; the simulated one computes the same answer from
the probe spec.

**How the agent learns about changes** (decided here, used by every runtime):

* `next_change(pod_uid)`: the monotonic deadline at which anything the runtime reports for the
  pod may next change by itself (a scripted crash, the next probe that flips readiness, the
  end of a grace period). The agent keeps these in one heap and looks again at that time. A
  purely time-driven runtime (simulated) needs nothing else.
* `set_listener(callback)`: the runtime calls `callback(pod_uid)` (on the event loop thread,
  never blocking) when something changed that it could not predict: a process exited, a
  probe failed. A process runtime uses this; calling it spuriously is harmless.

Each start creates a new *instance* (new container id); a runtime keeps the current and the
previous instance of each container, which is what `kubectl logs` and `kubectl logs -p` read.

**Adoption after a restart of the agent** (`adopt_container`): the agent re-reads pod status
and hands the runtime each container's last known status; the runtime re-attaches to the
instance it describes (a process runtime: the recorded pid, if still alive) so running
containers keep running with the same id and `startedAt`.

Times: `started_at`/`finished_at` are wall-clock `datetime`s (they end up in pod status);
deadlines are `Clock.monotonic()` floats.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from kroll.api.types import Obj


class ContainerPhase(enum.StrEnum):
    CREATING = "creating"  # accepted, not yet running (image pull, process spawn): ContainerCreating
    RUNNING = "running"
    EXITED = "exited"


@dataclass(frozen=True, slots=True)
class ContainerState:
    """One instance of a container, as the runtime sees it now."""

    phase: ContainerPhase
    container_id: str  # "<scheme>://<hex>", e.g. "kroll-sim://3f1c…"
    image: str  # as in the spec: "nginx:1.25"
    image_id: str  # resolved: "docker.io/library/nginx@sha256:…"
    started_at: dt.datetime | None = None  # None while CREATING
    finished_at: dt.datetime | None = None  # EXITED only
    exit_code: int | None = None  # EXITED only
    reason: str = ""  # EXITED: Completed | Error | OOMKilled | ContainerCannotRun
    message: str = ""


@dataclass(frozen=True, slots=True)
class ProbeResults:
    """Probe outcomes after thresholds, for a RUNNING instance."""

    ready: bool  # readiness (no readinessProbe: ready once running and started)
    started: bool  # startup probe passed (no startupProbe: True once running)
    live: bool = True  # False: liveness or startup probe failed; kubelet kills the container


PodListener = Callable[[str], None]


@runtime_checkable
class Runtime(Protocol):
    """What the node agent needs from a container runtime. All methods are keyed by pod uid."""

    #: reported as nodeInfo.containerRuntimeVersion, e.g. "kroll-sim://0.1"
    runtime_version: str

    def set_listener(self, listener: PodListener) -> None:
        """Register the agent's callback for unpredictable changes (see module docstring)."""
        ...

    async def start_container(self, pod: Obj, container: Obj) -> ContainerState:
        """Start a new instance of `container` (a spec.containers or spec.initContainers
        entry of `pod`). A previous instance becomes the "previous" one for logs. Returns the
        new instance's state, which may already be EXITED (a program that fails at once).
        """
        ...

    async def stop_container(self, pod_uid: str, container_name: str, grace_seconds: float, *,
                             since: dt.datetime | None = None) -> None:
        """Ask the current instance to stop (SIGTERM); kill it (SIGKILL) after `grace_seconds`.

        Returns without waiting: the state turns EXITED when the instance has stopped
        (`next_change` or the listener says when). Idempotent; a no-op on an exited instance.
        `since`: when an earlier incarnation of the agent already sent SIGTERM (an adopted
        pod that was terminating when kroll stopped); the shutdown counts from then.
        """
        ...

    def container_state(self, pod_uid: str, container_name: str) -> ContainerState | None:
        """The current instance's state, or None if the container was never started here."""
        ...

    def probe_results(self, pod_uid: str, container_name: str) -> ProbeResults | None:
        """Probe outcomes for the current instance; None unless it is RUNNING."""
        ...

    def next_change(self, pod_uid: str) -> float | None:
        """Monotonic deadline of the next self-driven change in anything reported for the pod."""
        ...

    async def adopt_container(self, pod: Obj, container: Obj, status: Obj) -> ContainerState | None:
        """After an agent restart: take over the instance described by `status` (the
        container's entry in pod.status.containerStatuses / initContainerStatuses).

        running → the same instance keeps running (same id, same startedAt);
        terminated, or waiting with lastState.terminated → an EXITED instance with those
        details. Returns None when there is nothing to adopt (never started, or the process
        is gone); the agent then starts the container afresh.
        """
        ...

    async def logs(
        self,
        pod_uid: str,
        container_name: str,
        *,
        previous: bool,
        tail_lines: int | None,
        timestamps: bool,
    ) -> bytes | None:
        """Log bytes of the current (or, with previous, the previous) instance; None if there
        is no such instance. With timestamps each line starts with an RFC 3339 timestamp with
        nanoseconds and a space, as `kubectl logs --timestamps` shows."""
        ...

    def remove_pod(self, pod_uid: str) -> None:
        """Forget everything about a pod (it is gone from the API), killing at once whatever
        of it still runs (a pod force-deleted with grace 0 never got a graceful stop)."""
        ...
