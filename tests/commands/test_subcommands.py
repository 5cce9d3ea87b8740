"""The plugin's import registers every subcommand of the source, from its module under commands/
(what `.allennlp_plugins` makes `allennlp --help` list)."""

import json
import subprocess
import sys

from tests.test_architecture import subcommands_in_source

_REGISTERED = """
import json
import attnat_allennlp
from allennlp.commands.subcommand import Subcommand
modules = {name: Subcommand.by_name(name).__module__ for name in Subcommand.list_available()}
print(json.dumps({n: m for n, m in modules.items() if m.startswith("attnat_allennlp")}))
"""


def test_importing_the_plugin_registers_every_subcommand():
    # in a fresh process: the tests' own imports register the subcommands in this one
    done = subprocess.run(
        [sys.executable, "-c", _REGISTERED], capture_output=True, text=True, check=True
    )
    registered = json.loads(done.stdout.strip().splitlines()[-1])
    expected = {
        name: "attnat_allennlp." + path.removesuffix(".py").replace("/", ".")
        for name, path in subcommands_in_source().items()
    }
    assert registered == expected
    assert set(registered) == {
        "prepare-attnat-data",
        "attention-report",
        "attention-heatmap",
        "attention-eps-sweep",
        "attention-study",
        "attention-compare",
    }
