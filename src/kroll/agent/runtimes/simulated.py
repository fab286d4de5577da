"""The simulated container runtime: deterministic containers scripted by pod annotations.

Nothing runs. When the agent starts a container the runtime draws up a *plan*: when it starts
running, when it passes its startup probe, when it becomes ready and unready, when a liveness
probe gives up on it, when it exits and how. Everything reported afterwards (state, probe
results, logs, the next time anything changes) is read off that plan at the clock's current
time, so the runtime holds no tasks and no timers and its answers depend only on the pod and
the time. The agent's one heap of due times, fed by `next_change`, wakes it when a plan says
something changes.

Annotations (read from the pod when a container starts; they apply to every regular
container of the pod; init containers complete at once, sidecars just run):

``sim.kroll.dev/behavior``
    Comma-separated items:

    * ``never-ready``: runs, but readiness never passes (liveness and startup do).
    * ``crash``: exits with code 1 as soon as it starts, every time. Under restartPolicy
      Always/OnFailure the agent restarts it with kubelet's back-off (10 s, 20 s, 40 s, …,
      300 s): CrashLoopBackOff, restartCount climbing. Logs an error line before each exit.
    * ``crash-after=<duration>``: runs (and may become ready), then exits with code 1.
    * ``complete`` / ``complete-after=<duration>``: exits 0 at once / after a while (a Job-like
      container: Succeeded under restartPolicy Never or OnFailure).
    * ``exit-code=<n>``: the exit code for crash / crash-after (default 1).
    * ``fail-after=<duration>``: healthy at first, then every probe fails from that time on:
      the container becomes not ready (after failureThreshold probes if it has a
      readinessProbe, at that instant otherwise), and a livenessProbe, if any, gets it killed
      and restarted.

``sim.kroll.dev/ready-after: <duration>``
    Time from start until the application is up (default: at once). Readiness and startup
    probes fail before then.

``sim.kroll.dev/start-after: <duration>``
    Time the first instance spends in ContainerCreating (image pull; default: none).

``sim.kroll.dev/terminate-after: <duration>``
    Time the container takes to exit after SIGTERM (graceful deletion, liveness kill); default
    at once. Capped by the grace period: past it the container is killed (exit code 137).

Durations are Go-style: ``500ms``, ``2s``, ``1m30s``. Unknown items and bad durations are
logged and ignored.

Probes are honoured in simulated form (pkg/kubelet/prober/worker.go semantics), times counted
from the moment the container runs:

* a probe "runs" at initialDelaySeconds and then every periodSeconds (defaults 0 and 10);
  its outcome is the scripted one at that instant;
* readiness: starts not ready; ready after successThreshold consecutive successes, not ready
  again after failureThreshold consecutive failures. No readinessProbe: ready as soon as it
  runs and the application is up (``ready-after``, ``fail-after`` and ``never-ready`` apply
  to it directly);
* startupProbe: passes at the first probe at or after ``ready-after``; failureThreshold
  failures before that get the container killed. Readiness and liveness probes only count
  from then on;
* livenessProbe: fails from ``fail-after``; after failureThreshold failures the container is
  reported not live and the agent restarts it.

Worked example: readinessProbe {initialDelaySeconds: 5, periodSeconds: 10,
successThreshold: 2, failureThreshold: 3}, ``ready-after: 12s``, ``fail-after: 60s``. Probes
run at 5, 15, 25, 35, … s. 5 fails; 15 and 25 succeed, so ready at 25 s. 65, 75 and 85 fail,
so not ready from 85 s.

Logs are synthetic but plausible: ``starting <image>``, ``listening on :<port>``, ``ready``,
an error line before a crash, ``received SIGTERM`` on stop; each line carries the time it
happened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
from dataclasses import dataclass, field

from kroll.agent.clock import Clock
from kroll.agent.podstatus import parse_duration
from kroll.agent.runtimes.base import ContainerPhase, ContainerState, PodListener, ProbeResults
from kroll.api.meta import annotations_of, parse_time
from kroll.api.types import Obj

log = logging.getLogger("kroll.agent.sim")

ANNOTATION_BEHAVIOR = "sim.kroll.dev/behavior"
ANNOTATION_READY_AFTER = "sim.kroll.dev/ready-after"
ANNOTATION_START_AFTER = "sim.kroll.dev/start-after"
ANNOTATION_TERMINATE_AFTER = "sim.kroll.dev/terminate-after"

RUNTIME_VERSION = "kroll-sim://0.1"
_ID_SCHEME = "kroll-sim://"
KILLED_EXIT_CODE = 137  # 128 + SIGKILL


# -- the script --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Behavior:
    never_ready: bool = False
    exit_after: float | None = None  # seconds after running starts; None: runs until stopped
    exit_code: int = 0
    fail_after: float | None = None
    ready_after: float = 0.0
    start_after: float = 0.0
    terminate_after: float = 0.0


def parse_behavior(annotations: dict[str, str]) -> tuple[Behavior, list[str]]:
    """The scripted behaviour from a pod's annotations, and complaints about bad values."""
    errors: list[str] = []

    def duration(key: str, text: str) -> float | None:
        try:
            return parse_duration(text)
        except ValueError:
            errors.append(f"{key}: invalid duration {text!r}")
            return None

    never_ready = False
    exit_after: float | None = None
    exit_kind: str | None = None  # "crash" | "complete"
    exit_code: int | None = None
    fail_after: float | None = None
    for raw in (annotations.get(ANNOTATION_BEHAVIOR) or "").split(","):
        item = raw.strip()
        if not item:
            continue
        name, _, value = item.partition("=")
        name = name.strip()
        value = value.strip()
        if name == "never-ready" and not value:
            never_ready = True
        elif name in ("crash", "complete") and not value:
            exit_kind, exit_after = name, 0.0
        elif name in ("crash-after", "complete-after") and value:
            d = duration(f"{ANNOTATION_BEHAVIOR} {name}", value)
            if d is not None:
                exit_kind, exit_after = name.removesuffix("-after"), d
        elif name == "fail-after" and value:
            fail_after = duration(f"{ANNOTATION_BEHAVIOR} {name}", value)
        elif name == "exit-code" and value:
            try:
                exit_code = int(value)
            except ValueError:
                errors.append(f"{ANNOTATION_BEHAVIOR}: invalid exit-code {value!r}")
        else:
            errors.append(f"{ANNOTATION_BEHAVIOR}: unknown item {item!r}")
    code = 0
    if exit_kind == "crash":
        code = exit_code if exit_code not in (None, 0) else 1
    durations = {}
    for key in (ANNOTATION_READY_AFTER, ANNOTATION_START_AFTER, ANNOTATION_TERMINATE_AFTER):
        if key in annotations:
            durations[key] = duration(key, annotations[key])
    return Behavior(
        never_ready=never_ready,
        exit_after=exit_after,
        exit_code=code,
        fail_after=fail_after,
        ready_after=durations.get(ANNOTATION_READY_AFTER) or 0.0,
        start_after=durations.get(ANNOTATION_START_AFTER) or 0.0,
        terminate_after=durations.get(ANNOTATION_TERMINATE_AFTER) or 0.0,
    ), errors


@dataclass(frozen=True)
class ProbeTiming:
    initial_delay: float
    period: float
    success_threshold: int
    failure_threshold: int

    @classmethod
    def of(cls, probe: Obj | None) -> ProbeTiming | None:
        """Timing of a probe spec with upstream's defaults (0 s, 10 s, 1, 3); None if absent."""
        if not probe:
            return None
        return cls(
            initial_delay=max(0.0, float(probe.get("initialDelaySeconds") or 0)),
            period=max(1.0, float(probe.get("periodSeconds") or 10)),
            success_threshold=max(1, int(probe.get("successThreshold") or 1)),
            failure_threshold=max(1, int(probe.get("failureThreshold") or 3)),
        )

    def at(self, k: int) -> float:
        """When probe number k (from 0) runs."""
        return self.initial_delay + k * self.period

    def first_at_or_after(self, t: float) -> int:
        """The number of the first probe that runs at or after `t`."""
        return max(0, math.ceil((t - self.initial_delay) / self.period - 1e-9))


@dataclass(frozen=True)
class Plan:
    """What one container instance will do, in seconds after it starts running."""

    exit_at: float | None = None
    exit_code: int = 0
    started_at: float | None = 0.0  # startup probe passed; None: never
    ready_from: float | None = 0.0  # None: never ready
    ready_until: float | None = None  # None: ready until it stops
    kill_at: float | None = None  # liveness/startup probe gave up: reported not live from here
    log: tuple[tuple[float, str, str], ...] = ()  # (time, level, message)

    def times(self) -> list[float]:
        """Every instant at which something reported changes."""
        ts = [t for t in (self.exit_at, self.started_at, self.ready_from, self.ready_until, self.kill_at)
              if t is not None]
        if self.exit_at is not None:
            ts = [t for t in ts if t <= self.exit_at]
        return ts


def plan_container(container: Obj, behavior: Behavior, *, init: bool = False) -> Plan:
    """Draw up the plan of a container under a behaviour (pure; see the module docstring).

    `init`: a regular (non-sidecar) init container, which completes at once.
    """
    image = container.get("image", "")
    if init:
        return Plan(exit_at=0.0, exit_code=0, started_at=None, ready_from=None,
                    log=((0.0, "INFO", f"starting {image}"), (0.0, "INFO", "initialization complete")))
    b = behavior
    exit_at = b.exit_after
    # startup
    started_at: float | None = 0.0
    kill_at: float | None = None
    startup = ProbeTiming.of(container.get("startupProbe"))
    if startup is not None:
        k = startup.first_at_or_after(b.ready_after)
        if k >= startup.failure_threshold:
            started_at, kill_at = None, startup.at(startup.failure_threshold - 1)
        else:
            started_at = startup.at(k)
    # readiness
    ready_from: float | None = None
    ready_until: float | None = None
    readiness = ProbeTiming.of(container.get("readinessProbe"))
    if not b.never_ready and started_at is not None:
        if readiness is None:
            ready_from = max(b.ready_after, started_at)
            ready_until = b.fail_after
        else:
            k1 = readiness.first_at_or_after(max(b.ready_after, started_at))
            ready_from = readiness.at(k1 + readiness.success_threshold - 1)
            if b.fail_after is not None:
                k2 = max(k1 + readiness.success_threshold, readiness.first_at_or_after(b.fail_after))
                ready_until = readiness.at(k2 + readiness.failure_threshold - 1)
        if b.fail_after is not None and ready_from >= b.fail_after:
            ready_from = ready_until = None
    # liveness
    liveness = ProbeTiming.of(container.get("livenessProbe"))
    if liveness is not None and started_at is not None and b.fail_after is not None:
        k2 = max(liveness.first_at_or_after(started_at), liveness.first_at_or_after(b.fail_after))
        dead = liveness.at(k2 + liveness.failure_threshold - 1)
        kill_at = dead if kill_at is None else min(kill_at, dead)
    if exit_at is not None:
        if ready_from is not None and ready_from >= exit_at:
            ready_from = ready_until = None
        if kill_at is not None and kill_at >= exit_at:
            kill_at = None
    # logs
    lines: list[tuple[float, str, str]] = [(0.0, "INFO", f"starting {image}")]
    if exit_at != 0.0:
        lines.append((0.0, "INFO", f"listening on :{_first_port(container)}"))
    app_up = not b.never_ready and (b.fail_after is None or b.ready_after < b.fail_after)
    if app_up and (exit_at is None or b.ready_after < exit_at):
        lines.append((b.ready_after, "INFO", "ready"))
    if b.fail_after is not None and (exit_at is None or b.fail_after < exit_at):
        lines.append((b.fail_after, "ERROR", "health check failing: dependency unavailable (simulated)"))
    if exit_at is not None:
        if b.exit_code == 0:
            lines.append((exit_at, "INFO", "work complete, exiting"))
        else:
            lines.append((exit_at, "ERROR", f"fatal: simulated crash, exiting with code {b.exit_code}"))
    lines.sort(key=lambda x: x[0])
    return Plan(exit_at=exit_at, exit_code=b.exit_code, started_at=started_at, ready_from=ready_from,
                ready_until=ready_until, kill_at=kill_at, log=tuple(lines))


def _first_port(container: Obj) -> int:
    for p in container.get("ports") or ():
        if p.get("containerPort"):
            return int(p["containerPort"])
    return 8080


def image_id(image: str) -> str:
    """A plausible resolved image id: `nginx:1.25` → `docker.io/library/nginx@sha256:<hex>`."""
    if "@" in image:
        repo, digest = image.split("@", 1)
    else:
        repo, digest = image, "sha256:" + hashlib.sha256(image.encode()).hexdigest()
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo = repo[: len(repo) - len(last)] + last.split(":", 1)[0]
    first = repo.split("/", 1)[0]
    if "/" not in repo:
        repo = "docker.io/library/" + repo
    elif "." not in first and ":" not in first and first != "localhost":
        repo = "docker.io/" + repo
    return f"{repo}@{digest}"


def _rfc3339_nano(t: dt.datetime) -> str:
    """Go's RFC3339Nano: fractional seconds without trailing zeros."""
    t = t.astimezone(dt.UTC)
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{t.microsecond:06d}000".rstrip("0")
    return f"{base}.{frac}Z" if frac else f"{base}Z"


# -- the runtime -------------------------------------------------------------------------------


@dataclass
class _Instance:
    container_id: str
    image: str
    image_id: str
    plan: Plan
    terminate_after: float
    run_m: float  # monotonic instant it runs (after start_after)
    run_wall: dt.datetime  # the same instant on the wall clock
    stop_m: float | None = None  # SIGTERM sent
    stop_exit_m: float | None = None  # exits because of it
    stop_exit_code: int = 0
    forced: tuple[float, int, str] | None = None  # adopted exit: (monotonic, exit code, reason)

    def wall(self, m: float) -> dt.datetime:
        return self.run_wall + dt.timedelta(seconds=m - self.run_m)

    def exit(self) -> tuple[float, int, str] | None:
        """(monotonic instant, exit code, reason) of the exit, past or scheduled."""
        options: list[tuple[float, int, str]] = []
        if self.forced is not None:
            options.append(self.forced)
        if self.plan.exit_at is not None:
            code = self.plan.exit_code
            options.append((self.run_m + self.plan.exit_at, code, "Completed" if code == 0 else "Error"))
        if self.stop_exit_m is not None:
            code = self.stop_exit_code
            options.append((self.stop_exit_m, code, "Completed" if code == 0 else "Error"))
        return min(options, key=lambda o: o[0]) if options else None


@dataclass
class _Container:
    instances: list[_Instance] = field(default_factory=list)  # [previous, current]
    started: int = 0


class SimulatedRuntime:
    """Implements `kroll.agent.runtimes.base.Runtime`; see the module docstring."""

    runtime_version = RUNTIME_VERSION

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._pods: dict[str, dict[str, _Container]] = {}
        self._listener: PodListener | None = None
        self._warned: set[str] = set()

    def set_listener(self, listener: PodListener) -> None:
        # Every change here is scheduled in advance and announced through next_change.
        self._listener = listener

    # -- lifecycle -------------------------------------------------------------------------

    def _behavior(self, pod: Obj) -> Behavior:
        behavior, errors = parse_behavior(annotations_of(pod))
        m = pod.get("metadata", {})
        if errors and m.get("uid") not in self._warned:
            self._warned.add(m.get("uid", ""))
            for e in errors:
                log.warning("pod %s/%s: ignoring %s", m.get("namespace"), m.get("name"), e)
        return behavior

    @staticmethod
    def _kind(pod: Obj, container: Obj) -> str:
        name = container.get("name")
        for c in pod.get("spec", {}).get("initContainers") or ():
            if c.get("name") == name:
                return "sidecar" if c.get("restartPolicy") == "Always" else "init"
        return "regular"

    def _new_instance(self, pod: Obj, container: Obj, *, run_m: float, run_wall: dt.datetime,
                      container_id: str | None = None) -> _Instance:
        kind = self._kind(pod, container)
        behavior = self._behavior(pod)
        if kind != "regular":
            behavior = Behavior(terminate_after=behavior.terminate_after)
        uid = pod.get("metadata", {}).get("uid", "")
        entry = self._pods.setdefault(uid, {}).setdefault(container.get("name", ""), _Container())
        entry.started += 1
        if container_id is None:
            seed = f"{uid}/{container.get('name')}/{entry.started}/{run_wall.isoformat()}"
            container_id = _ID_SCHEME + hashlib.sha256(seed.encode()).hexdigest()
        image = container.get("image", "")
        inst = _Instance(
            container_id=container_id, image=image, image_id=image_id(image),
            plan=plan_container(container, behavior, init=kind == "init"),
            terminate_after=behavior.terminate_after, run_m=run_m, run_wall=run_wall,
        )
        entry.instances = [*entry.instances[-1:], inst]
        return inst

    async def start_container(self, pod: Obj, container: Obj) -> ContainerState:
        now_m, now_wall = self._clock.monotonic(), self._clock.now()
        uid = pod.get("metadata", {}).get("uid", "")
        entry = self._pods.get(uid, {}).get(container.get("name", ""))
        first = entry is None or entry.started == 0
        delay = self._behavior(pod).start_after if first and self._kind(pod, container) == "regular" else 0.0
        inst = self._new_instance(pod, container, run_m=now_m + delay,
                                  run_wall=now_wall + dt.timedelta(seconds=delay))
        return self._state(inst, now_m)

    async def stop_container(self, pod_uid: str, container_name: str, grace_seconds: float, *,
                             since: dt.datetime | None = None) -> None:
        inst = self._current(pod_uid, container_name)
        now_m = self._clock.monotonic()
        if inst is None or inst.stop_m is not None:
            return
        ex = inst.exit()
        if ex is not None and ex[0] <= now_m:
            return
        if now_m < inst.run_m:  # still being created: it never runs
            inst.stop_m = now_m
            inst.run_m, inst.run_wall = now_m, self._clock.now()
            inst.stop_exit_m, inst.stop_exit_code = now_m, 0
            return
        # SIGTERM sent before a restart: the process has been shutting down since then (but
        # not since before it ran). Worked example: terminate-after 6s, SIGTERM 4s before this
        # adoption -> it exits 2s from now, not 6s.
        sent_m = now_m
        if since is not None:
            sent_m = min(now_m, max(inst.run_m, now_m - (self._clock.now() - since).total_seconds()))
        inst.stop_m = sent_m
        if inst.terminate_after <= grace_seconds:
            inst.stop_exit_m, inst.stop_exit_code = sent_m + inst.terminate_after, 0
        else:
            inst.stop_exit_m, inst.stop_exit_code = sent_m + max(0.0, grace_seconds), KILLED_EXIT_CODE

    def remove_pod(self, pod_uid: str) -> None:
        self._pods.pop(pod_uid, None)
        self._warned.discard(pod_uid)

    async def adopt_container(self, pod: Obj, container: Obj, status: Obj) -> ContainerState | None:
        state = status.get("state") or {}
        now_m, now_wall = self._clock.monotonic(), self._clock.now()

        def mono(t: dt.datetime) -> float:
            return now_m - (now_wall - t).total_seconds()

        if "running" in state:
            started = parse_time(state["running"].get("startedAt")) or now_wall
            inst = self._new_instance(pod, container, run_m=mono(started), run_wall=started,
                                      container_id=status.get("containerID") or None)
            return self._state(inst, now_m)
        term = state.get("terminated")
        if term is None and "waiting" in state:
            term = (status.get("lastState") or {}).get("terminated")
        if term is None:
            return None
        started = parse_time(term.get("startedAt")) or parse_time(term.get("finishedAt")) or now_wall
        finished = parse_time(term.get("finishedAt")) or started
        inst = self._new_instance(pod, container, run_m=mono(started), run_wall=started,
                                  container_id=term.get("containerID") or status.get("containerID") or None)
        code = int(term.get("exitCode") or 0)
        inst.forced = (min(mono(finished), now_m), code, term.get("reason") or ("Completed" if code == 0 else "Error"))
        return self._state(inst, now_m)

    # -- queries ---------------------------------------------------------------------------

    def _current(self, pod_uid: str, container_name: str) -> _Instance | None:
        entry = self._pods.get(pod_uid, {}).get(container_name)
        return entry.instances[-1] if entry and entry.instances else None

    def _state(self, inst: _Instance, now_m: float) -> ContainerState:
        if now_m < inst.run_m:
            return ContainerState(ContainerPhase.CREATING, inst.container_id, inst.image, inst.image_id,
                                  reason="ContainerCreating")
        ex = inst.exit()
        if ex is not None and ex[0] <= now_m:
            return ContainerState(ContainerPhase.EXITED, inst.container_id, inst.image, inst.image_id,
                                  started_at=inst.run_wall, finished_at=inst.wall(ex[0]),
                                  exit_code=ex[1], reason=ex[2])
        return ContainerState(ContainerPhase.RUNNING, inst.container_id, inst.image, inst.image_id,
                              started_at=inst.run_wall)

    def container_state(self, pod_uid: str, container_name: str) -> ContainerState | None:
        inst = self._current(pod_uid, container_name)
        return None if inst is None else self._state(inst, self._clock.monotonic())

    def probe_results(self, pod_uid: str, container_name: str) -> ProbeResults | None:
        inst = self._current(pod_uid, container_name)
        now_m = self._clock.monotonic()
        if inst is None or self._state(inst, now_m).phase is not ContainerPhase.RUNNING:
            return None
        rel = now_m - inst.run_m
        p = inst.plan
        ready = p.ready_from is not None and p.ready_from <= rel and (p.ready_until is None or rel < p.ready_until)
        started = p.started_at is not None and rel >= p.started_at
        live = p.kill_at is None or rel < p.kill_at
        return ProbeResults(ready=ready, started=started, live=live)

    def next_change(self, pod_uid: str) -> float | None:
        now_m = self._clock.monotonic()
        best: float | None = None
        for entry in self._pods.get(pod_uid, {}).values():
            if not entry.instances:
                continue
            inst = entry.instances[-1]
            ex = inst.exit()
            if ex is not None and ex[0] <= now_m:
                continue
            candidates = [inst.run_m + t for t in inst.plan.times()] + [inst.run_m]
            if ex is not None:
                candidates.append(ex[0])
            for t in candidates:
                if t > now_m and (best is None or t < best):
                    best = t
        return best

    async def logs(self, pod_uid: str, container_name: str, *, previous: bool, tail_lines: int | None,
                   timestamps: bool) -> bytes | None:
        entry = self._pods.get(pod_uid, {}).get(container_name)
        if entry is None or not entry.instances:
            return None
        if previous:
            if len(entry.instances) < 2:
                return None
            inst = entry.instances[-2]
        else:
            inst = entry.instances[-1]
        now_m = self._clock.monotonic()
        if now_m < inst.run_m:
            return b""
        ex = inst.exit()
        end = min(now_m, ex[0]) if ex is not None else now_m
        lines = [(inst.run_m + t, level, msg) for t, level, msg in inst.plan.log if inst.run_m + t <= end]
        if inst.stop_m is not None and inst.stop_m <= end:
            lines.append((inst.stop_m, "INFO", "received SIGTERM, shutting down gracefully"))
            if ex is not None and ex[0] <= now_m and inst.stop_exit_m == ex[0] and ex[1] == 0:
                lines.append((ex[0], "INFO", "shutdown complete"))
        lines.sort(key=lambda x: x[0])
        if tail_lines is not None:
            lines = lines[-tail_lines:] if tail_lines > 0 else []
        out = []
        for m, level, msg in lines:
            wall = inst.wall(m)
            text = f"{wall.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%S')}.{wall.microsecond // 1000:03d}Z {level} {msg}"
            out.append(f"{_rfc3339_nano(wall)} {text}\n" if timestamps else text + "\n")
        return "".join(out).encode()
