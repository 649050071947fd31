"""Every collective on 2 MPI processes, and a world of one without a launcher."""

from distributed.launch import launch, python, script_path


def test_every_collective_on_two_processes():
    res = launch(script_path("collectives_script.py"))
    assert res.returncode == 0, res.stdout + res.stderr
    for r in range(2):
        assert f"rank {r}: all collectives OK" in res.stdout


def test_world_of_one_init_checks_and_errors():
    res = python(script_path("single_script.py"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "single process OK" in res.stdout
