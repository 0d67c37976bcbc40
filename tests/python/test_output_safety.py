"""Issue 24, defects 1, 7 and 12: peerlab deletes only what is its own, a trailing slash on
--out keeps the results, and a scenario name cannot leave runs/."""
import json
import os
import subprocess

TINY = """version: 1
name: tiny
seed: 3
stop: {blocks: 2}
network: {nodes: 30, regions: bitcoin, topology: {kind: bitcoin, outbound: 4}}
protocol: {block_interval: 600 s, block_size: 1 MB, relay: headers}
groups:
  pools: {nodes: 3, hashrate: 1.0}
  relays: {nodes: rest, hashrate: 0}
"""


def run(peerlab_bin, *args, cwd=None):
    return subprocess.run([peerlab_bin, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def scenario(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def user_folder(path):
    path.mkdir()
    (path / "thesis.tex").write_text("three years of work\n")
    (path / "data").mkdir()
    (path / "data" / "measurements.csv").write_text("a,b\n1,2\n")
    return path


def assert_untouched(path):
    assert (path / "thesis.tex").read_text() == "three years of work\n"
    assert (path / "data" / "measurements.csv").read_text() == "a,b\n1,2\n"


def one_line_error(res):
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    return res.stderr


def test_force_refuses_a_directory_that_is_not_a_run(peerlab_bin, tmp_path):
    folder = user_folder(tmp_path / "mine")
    err = one_line_error(run(peerlab_bin, "run", str(scenario(tmp_path)), "--out", str(folder),
                             "--force", "--quiet"))
    assert "not a peerlab run directory" in err
    assert_untouched(folder)
    assert not (tmp_path / "mine.partial").exists()


def test_force_refuses_a_directory_with_a_foreign_run_json(peerlab_bin, tmp_path):
    folder = user_folder(tmp_path / "mine")
    (folder / "run.json").write_text('{"my": "own manifest"}\n')
    err = one_line_error(run(peerlab_bin, "run", str(scenario(tmp_path)), "--out", str(folder),
                             "--force", "--quiet"))
    assert "not a peerlab run directory" in err
    assert_untouched(folder)


def test_force_never_replaces_the_working_directory_or_its_parents(peerlab_bin, tmp_path):
    work = user_folder(tmp_path / "work")
    path = scenario(tmp_path)
    # Even a working directory that looks like a run is never replaced.
    (work / "run.json").write_text('{"peerlab_version": "0"}\n')
    # ("/" is refused too; tests/run_directory_test.cpp checks it without running anything.)
    for out in (".", "..", "./", str(work), str(tmp_path)):
        err = one_line_error(run(peerlab_bin, "run", str(path), "--out", out, "--force",
                                 "--quiet", cwd=work))
        assert "refusing" in err, (out, err)
        assert_untouched(work)
    assert sorted(os.listdir(work)) == ["data", "run.json", "thesis.tex"]


def test_force_refuses_a_symbolic_link(peerlab_bin, tmp_path):
    folder = user_folder(tmp_path / "mine")
    (tmp_path / "link").symlink_to(folder)
    err = one_line_error(run(peerlab_bin, "run", str(scenario(tmp_path)), "--out",
                             str(tmp_path / "link"), "--force", "--quiet"))
    assert "symbolic link" in err
    assert_untouched(folder)


def test_force_replaces_a_previous_run(peerlab_bin, tmp_path):
    path = scenario(tmp_path)
    out = tmp_path / "run"
    assert run(peerlab_bin, "run", str(path), "--out", str(out), "--quiet").returncode == 0
    res = run(peerlab_bin, "run", str(path), "--out", str(out), "--seed", "9", "--force",
              "--quiet")
    assert res.returncode == 0, res.stderr
    assert json.loads((out / "summary.json").read_text())["seed"] == 9
    assert not (out / ".peerlab-staging").exists()
    assert not (tmp_path / "run.partial").exists()


def test_foreign_partial_directory_is_not_deleted(peerlab_bin, tmp_path):
    foreign = user_folder(tmp_path / "run.partial")
    err = one_line_error(run(peerlab_bin, "run", str(scenario(tmp_path)), "--out",
                             str(tmp_path / "run"), "--quiet"))
    assert "not a peerlab staging directory" in err
    assert_untouched(foreign)
    assert not (tmp_path / "run").exists()


def test_own_leftover_staging_directory_is_reused(peerlab_bin, tmp_path):
    # What a run killed with -9 leaves behind: the marker and some files.
    left = tmp_path / "run.partial"
    left.mkdir()
    (left / ".peerlab-staging").write_text("")
    (left / "summary.json").write_text("{")
    res = run(peerlab_bin, "run", str(scenario(tmp_path)), "--out", str(tmp_path / "run"),
              "--quiet")
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["scenario"] == "tiny"
    assert not left.exists()


def test_trailing_slash_on_out_keeps_the_results(peerlab_bin, tmp_path):
    path = scenario(tmp_path)
    res = run(peerlab_bin, "run", str(path), "--out", "new/", "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "new" / "summary.json").read_text())["scenario"] == "tiny"
    assert (tmp_path / "new" / "run.json").exists()
    assert not (tmp_path / "new.partial").exists()
    assert not (tmp_path / "new" / ".partial").exists()
    res = run(peerlab_bin, "run", str(path), "--out", "new//", "--force", "--seed", "4",
              "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "new" / "summary.json").read_text())["seed"] == 4


def test_scenario_name_cannot_leave_runs(peerlab_bin, tmp_path):
    work = tmp_path / "deep" / "work"
    work.mkdir(parents=True)
    path = scenario(tmp_path)
    for name, why in (("../../x", "must not start with `.`"), ("a/../../x", "must not contain `/`"),
                      ("..", "must not start with `.`"),
                      (".hidden", "must not start with `.`"), ("a\\b", "must not contain"),
                      ("x" * 201, "at most 200")):
        for command in ("run", "check"):
            err = one_line_error(run(peerlab_bin, command, str(path), "--set", f"name={name}",
                                     "--quiet" if command == "run" else "--set=seed=3",
                                     cwd=work))
            assert "name" in err and why in err, (name, err)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["deep", "tiny.yaml", "work"]
