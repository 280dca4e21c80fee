"""Deployment files: the Dockerfile lints clean, the Kubernetes manifests validate strictly
and say what the benchmark measured, the image's model subset serves, the proxy's limits
match the app's. The image itself is built and run by `make image-test`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from deploy import capacity, healthcheck, requirements, smoke, stage

ROOT = Path(__file__).resolve().parents[1]
KUBE = ROOT / "deploy" / "kubernetes"
MANIFESTS = sorted(p for p in KUBE.glob("*.yaml") if p.name != "kustomization.yaml")
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A linter from the test extra, beside this Python or on PATH."""
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed (pip install '.[test]')"
    return found


def manifest(kind: str) -> dict:
    (doc,) = [d for p in MANIFESTS for d in yaml.safe_load_all(p.read_text()) if d["kind"] == kind]
    return doc


def containers() -> dict[str, dict]:
    pod = manifest("Deployment")["spec"]["template"]["spec"]
    return {c["name"]: c for c in pod["containers"]}


def dockerfile_instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    joined = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    return [" ".join(i.split()) for i in joined.replace("\\\n", " ").splitlines() if i.strip()]


# ------------------------------------------------------------------ linters


def test_dockerfile_passes_hadolint_without_warnings():
    result = subprocess.run(
        [tool("hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_manifests_validate_strictly():
    assert {m.name for m in MANIFESTS} >= {
        "deployment.yaml",
        "service.yaml",
        "hpa.yaml",
        "pdb.yaml",
        "networkpolicy.yaml",
    }
    result = subprocess.run(
        [tool("kubernetes-validate"), "--strict", *map(str, MANIFESTS)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" passed for resource ") == len(MANIFESTS), result.stdout


def test_strict_validation_rejects_an_unknown_field(tmp_path):
    """The check above can fail: a misspelt field in the Deployment is refused."""
    text = (KUBE / "deployment.yaml").read_text()
    broken = tmp_path / "deployment.yaml"
    broken.write_text(text.replace("readOnlyRootFilesystem:", "readOnlyRootFileSystem:", 1))
    result = subprocess.run(
        [tool("kubernetes-validate"), "--strict", str(broken)], capture_output=True, text=True
    )
    assert result.returncode != 0 and "readOnlyRootFileSystem" in result.stdout + result.stderr


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == [m.name for m in MANIFESTS]


# ------------------------------------------------------------------ manifests


def test_resources_and_autoscaling_follow_the_benchmark():
    replica = capacity.replica(capacity.load()[0])
    app, proxy = containers()["app"], containers()["proxy"]
    assert app["resources"] == capacity.app_resources(replica)
    assert proxy["resources"] == capacity.PROXY_RESOURCES
    env = {e["name"]: e["value"] for e in app["env"]}
    assert env["ATP_ENCODER_THREADS"] == str(replica.cores)
    hpa = manifest("HorizontalPodAutoscaler")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (
        capacity.MIN_REPLICAS,
        capacity.MAX_REPLICAS,
    )
    (metric,) = hpa["metrics"]
    assert metric["containerResource"]["container"] == "app"
    assert metric["containerResource"]["target"]["averageUtilization"] == (
        capacity.TARGET_CPU_PERCENT
    )
    assert manifest("Deployment")["spec"]["replicas"] == capacity.MIN_REPLICAS
    assert manifest("PodDisruptionBudget")["spec"]["minAvailable"] == capacity.MIN_REPLICAS - 1


def test_readme_capacity_block_is_current():
    block = capacity.readme_block(*capacity.load())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert block in readme, "run: python3 deploy/capacity.py --readme README.md"


def test_capacity_model_arithmetic():
    results = capacity.load()[0]
    replica = capacity.replica(results)
    assert replica.planned_rps == pytest.approx(
        replica.cores * 1000 / replica.cold_cpu_ms * capacity.TARGET_CPU_PERCENT / 100
    )
    assert capacity.replicas_for(1, replica) == capacity.MIN_REPLICAS
    many = 100 * capacity.SECONDS_BETWEEN_QUESTIONS * replica.planned_rps
    assert capacity.replicas_for(int(many), replica) == 100


def test_pods_are_hardened_and_probed():
    pod = manifest("Deployment")["spec"]["template"]["spec"]
    user = re.search(r"^USER (\d+):(\d+)$", (ROOT / "Dockerfile").read_text(), re.M)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == int(user[1])
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"]:
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp"}
    app = containers()["app"]
    assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert app["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert containers()["proxy"]["command"][-1] == "/app/deploy/nginx.conf"


def tmp_limits_mib() -> dict[str, int]:
    """Container name -> MiB of its /tmp emptyDir in the Deployment."""
    pod = manifest("Deployment")["spec"]["template"]["spec"]
    volumes = {
        v["name"]: int(v["emptyDir"]["sizeLimit"].removesuffix("Mi")) for v in pod["volumes"]
    }
    return {c["name"]: volumes[c["volumeMounts"][0]["name"]] for c in pod["containers"]}


def test_app_tmp_holds_what_loading_writes(engine):
    """Loading writes to /tmp (the only writable path): py3langid unpacks its model there
    (then deletes it) while jieba's dictionary cache stays. Too small a /tmp is a pod that
    never gets ready (ENOSPC), as measured in the image."""
    import lzma
    import tempfile

    from py3langid.langid import MODEL_DIR, MODEL_FILE

    with lzma.open(MODEL_DIR / MODEL_FILE) as packed:
        unpacked = sum(len(chunk) for chunk in iter(lambda: packed.read(1 << 20), b""))
    jieba_cache = (Path(tempfile.gettempdir()) / "jieba.cache").stat().st_size
    assert (unpacked + jieba_cache) * 2 < tmp_limits_mib()["app"] * 2**20


def test_image_test_runs_the_pod_with_the_deployments_tmp_sizes():
    script = (ROOT / "deploy" / "image-test.sh").read_text()
    sizes = re.findall(r'--name "\$POD-(\w+)".*--tmpfs /tmp:rw,size=(\d+)m', script)
    assert {name: int(mib) for name, mib in sizes} == tmp_limits_mib()


def test_service_exposes_the_proxy_only_and_metrics_stay_inside():
    ports = {p["name"]: p["containerPort"] for c in containers().values() for p in c["ports"]}
    assert ports == {"app": 8000, "http": 8080, "metrics": 9090}
    (service_port,) = manifest("Service")["spec"]["ports"]
    assert service_port["targetPort"] == "http"
    policy = manifest("NetworkPolicy")["spec"]
    assert policy["egress"] == [] and set(policy["policyTypes"]) == {"Ingress", "Egress"}
    admitted = {rule["ports"][0]["port"]: rule.get("from", "anyone") for rule in policy["ingress"]}
    assert admitted["http"] == "anyone"
    assert admitted["metrics"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]
    assert "app" not in admitted


def test_probes_send_a_host_the_app_serves():
    """The kubelet's probes would send the pod address as Host, which the app refuses (400):
    each sends one ATP_ALLOWED_HOSTS lists, or no pod is ever ready."""
    env = {e["name"]: e["value"] for e in containers()["app"]["env"]}
    allowed = json.loads(env["ATP_ALLOWED_HOSTS"])
    probes = [
        c[probe]["httpGet"]
        for c in containers().values()
        for probe in ("startupProbe", "readinessProbe", "livenessProbe")
        if "httpGet" in c.get(probe, {})
    ]
    assert len(probes) == 4
    for probe in probes:
        assert {h["name"]: h["value"] for h in probe["httpHeaders"]}["Host"] in allowed


def test_proxy_reaches_the_apps_metrics_port_and_outlives_no_keep_alive():
    from service.settings import Settings

    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    env = " ".join(i for i in dockerfile_instructions() if i.startswith("ENV "))
    metrics_port = re.search(r"ATP_METRICS_PORT=(\d+)", env)[1]
    assert (
        re.search(r"upstream app_metrics \{\s*server 127\.0\.0\.1:(\d+) ", conf)[1] == metrics_port
    )
    assert re.search(r"location = /metrics \{\s*proxy_pass http://app_metrics;", conf)
    idle = re.search(r"upstream app \{[^}]*keepalive_timeout (\d+)s;", conf)
    assert int(idle[1]) < Settings().keep_alive_s


def test_proxy_limits_match_the_app():
    from service.settings import Settings

    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    defaults = Settings()
    body = re.search(r"client_max_body_size (\d+)k;", conf)
    assert int(body[1]) * 1024 == defaults.max_body_bytes
    assert defaults.max_body_bytes == smoke.BODY_LIMIT
    assert f"server 127.0.0.1:{defaults.port} " in conf
    assert re.search(r"client_header_timeout (\d+)s;", conf)[1] == str(smoke.HEADER_TIMEOUT_S)
    assert "$request_uri" not in conf and "$args" not in conf and "$remote_addr" not in conf
    env = {e["name"]: e["value"] for e in containers()["app"]["env"]}
    assert env["ATP_PORT"] == str(defaults.port)


# ------------------------------------------------------------------ image contents


def test_requirements_split_runtime_from_build():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = requirements.requirements(pyproject, [])
    assert runtime == pyproject["project"]["dependencies"]
    assert not [r for r in runtime if re.match(r"(torch|sentence-transformers|safetensors)", r)]
    assert "torch==2.13.0" in requirements.requirements(pyproject, ["build"])
    with pytest.raises(SystemExit, match="no such extra"):
        requirements.requirements(pyproject, ["nope"])


def test_runtime_stage_copies_only_the_staged_tree_where_the_settings_point():
    """The runtime stage takes from the build stage /out alone (deploy/stage.py's folders),
    to the paths its ATP_* settings name, and runs as the numeric user the pod does."""
    runtime = dockerfile_instructions()
    runtime = runtime[runtime.index("FROM base AS runtime") :]
    copies = [i.split()[1:] for i in runtime if i.startswith("COPY --from=build")]
    assert copies == [
        ["--from=build", "/out/model", "/app/models/multilingual-e5-small"],
        ["--from=build", "/out/app", "/app"],
    ]
    env = " ".join(i for i in runtime if i.startswith("ENV "))
    assert "ATP_MODEL_DIR=/app/models/multilingual-e5-small" in env
    assert "ATP_INDEX_DIR=/app/index/data" in env and "ATP_CORPUS_DIR=/app/corpus/data" in env
    assert "ORT_DISABLE_TELEMETRY=1" in env and "HF_HUB_OFFLINE=1" in env
    assert "USER 10001:10001" in runtime
    (health,) = [i for i in runtime if i.startswith("HEALTHCHECK")]
    assert 'CMD ["/opt/venv/bin/python", "/app/deploy/healthcheck.py"]' in health


def test_stage_ships_the_encoder_files_and_the_resolved_index(settings, tmp_path):
    """The image's folders as deploy/stage.py lays them out: the model without safetensors
    weights or the int8 copy, the index copied through a symlink (index/data ->
    index/data.<build id>), every file readable by the image's user."""
    builds = tmp_path / "index"
    builds.mkdir()
    shutil.copytree(settings.index_dir.resolve(), builds / "data.b1")
    (builds / "data").symlink_to("data.b1")
    out = tmp_path / "out"
    stage.stage(out, settings.model_copy(update={"index_dir": builds / "data"}))
    model = sorted(str(p.relative_to(out / "model")) for p in (out / "model").rglob("*"))
    shipped = set(stage.MODEL_FILES) | {stage.MODEL_SUMS}
    assert set(stage.MODEL_FILES) <= set(model) <= shipped | {"onnx"}
    assert not [name for name in model if name.endswith((".safetensors", ".int8.onnx"))]
    index = out / "app" / "index" / "data"
    assert index.is_dir() and not index.is_symlink()
    assert sorted(p.name for p in index.iterdir()) == sorted(
        p.name for p in settings.index_dir.resolve().iterdir()
    )
    assert not list((out / "app" / "index").glob("data.*"))
    for package in ("corpus/data", "service/static/js", "service/static/i18n", "service/phrases"):
        assert any((out / "app" / package).iterdir()), package
    assert all(p.stat().st_mode & 0o004 for p in out.rglob("*")), "a file the user cannot read"


def test_staged_checksum_list_keeps_the_export_digests_of_the_shipped_files():
    digest = "a" * 64
    listed = "".join(f"{digest}  {name}\n" for name in (*stage.MODEL_FILES, "model.safetensors"))
    kept = stage.filtered_sums(listed, set(stage.MODEL_FILES))
    assert kept.splitlines() == [f"{digest}  {name}" for name in stage.MODEL_FILES]
    with pytest.raises(SystemExit, match=r"does not list config\.json"):
        stage.filtered_sums(listed.replace("  config.json", "  other.json"), {"config.json"})


@pytest.mark.slow
def test_the_staged_image_tree_serves_search(settings, tmp_path):
    """`atp serve` from a staged tree alone, as the image runs it (its own code, model,
    index and corpus; nothing of the checkout on the path): it gets ready and finds the
    passages `make image-test` pins."""
    from service.launcher import free_port, get_readyz

    out = tmp_path / "out"
    stage.stage(out, settings)
    app, port = out / "app", free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ATP_", "PYTHON"))},
        "PYTHONPATH": str(app),
        "ATP_MODEL_DIR": str(out / "model"),
        "ATP_INDEX_DIR": str(app / "index" / "data"),
        "ATP_CORPUS_DIR": str(app / "corpus" / "data"),
        "ATP_ENCODER_THREADS": "1",
    }
    argv = [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with subprocess.Popen(argv, cwd=app, env=env, stdout=subprocess.DEVNULL) as server:
        try:
            deadline = time.monotonic() + 120
            while (status := get_readyz(base)[0]) != 200 and time.monotonic() < deadline:
                assert server.poll() is None, "the server exited"
                time.sleep(0.2)
            assert status == 200, f"/readyz {status}"
            for question, expected in smoke.QUESTIONS.values():
                query = urllib.parse.urlencode({"q": question, "k": 5})
                with urllib.request.urlopen(f"{base}/search?{query}", timeout=10) as reply:
                    hits = json.loads(reply.read())["results"]
                assert hits[0]["passage"]["id"] == expected, question
        finally:
            server.terminate()


def test_smoke_questions_find_their_pinned_passages(client):
    """What `make image-test` expects of the image holds for the checked-out index."""
    for question, expected in smoke.QUESTIONS.values():
        hits = client.get("/search", params={"q": question, "k": 5}).json()["results"]
        assert hits[0]["passage"]["id"] == expected, question


def test_healthcheck_follows_atp_port(live_server):
    from service.launcher import free_port

    port = live_server.rsplit(":", 1)[1]
    assert healthcheck.ready(port) is True
    assert healthcheck.ready(str(free_port())) is False
