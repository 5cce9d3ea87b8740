"""Warning filters: importing the plugin leaves them alone; the training loop quiets allennlp's
per-batch autocast FutureWarning for the run only."""

import subprocess
import sys
import warnings

from training.test_adversarial_training import small

from helpers import train_config


def test_importing_the_plugin_silences_no_warning():
    # (the libraries it imports add filters of their own: look for silencing of the autocast one)
    code = (
        "import warnings; import attnat_allennlp; "
        "found = [f for f in warnings.filters if f[0] == 'ignore' and f[1] is not None "
        "and 'autocast' in f[1].pattern]; assert not found, found"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_training_runs_without_the_per_batch_autocast_warning(tmp_path):
    before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train_config("rt_polarity_attention_at", tmp_path, small())
    assert not [w for w in caught if "torch.cuda.amp.autocast" in str(w.message)]
    assert warnings.filters == before
