"""Word iAT's table of neighbours: which rows each batch searches, the slice refreshed in turn and
its wrap-around, the number of neighbours a small vocabulary allows, and a table rebuilt when the
vocabulary grows. Every expectation is the documented schedule simulated by hand, with the weights
moved before every batch so that a row that was (not) searched again shows."""

import pytest
import torch

from attnat_allennlp.perturbations.util import nearest_neighbours
from attnat_allennlp.perturbations.word_iat import WordInterpretableAdversarialPerturbation

EXCLUDED = [1]  # the OOV id; 0 may be a neighbour here, so that a row whose first neighbour is 0
# still counts as searched


def expected_table(weights, searched_rows, size, k):
    table = torch.full((size, k), -1, dtype=torch.long)
    for rows, weight in zip(searched_rows, weights):
        if rows:
            ids = torch.tensor(sorted(rows))
            table[ids] = nearest_neighbours(weight, ids, k, excluded_ids=EXCLUDED)
    return table


def test_each_batch_searches_its_new_words_and_the_next_slice_of_the_searched_ones():
    size, steps, k = 10, 3, 2  # slices of ceil(10 / 3) = 4 rows: 0-3, 4-7, 8-9, then 0-3 again
    perturbation = WordInterpretableAdversarialPerturbation(
        num_neighbours=k, neighbour_refresh_steps=steps
    )
    torch.manual_seed(0)
    batches = [[[2, 5], [9, 2]], [[3]], [[6, 8]], [[7]], [[2]]]
    # (new words of the batch) + (the searched words among the slice's rows), batch by batch
    slices = [range(0, 4), range(4, 8), range(8, 10), range(0, 4), range(4, 8)]
    searched, history, weights = set(), [], []
    for batch, rows in zip(batches, slices):
        weight = torch.randn(size, 5)
        ids = torch.tensor(batch)
        new = {int(i) for i in ids.flatten()} - searched
        again = {r for r in rows if r in searched}
        history.append(new | again)
        weights.append(weight)
        searched |= new
        result = perturbation.neighbours(weight, ids, EXCLUDED)
        # the searches of every batch so far, in order (later ones overwrite earlier ones)
        table = expected_table(weights, history, size, k)
        assert torch.equal(perturbation._neighbours, table)
        assert torch.equal(result, table[ids]) and result.shape == ids.shape + (k,)
        assert result.dtype == perturbation._neighbours.dtype == torch.long
    # the slice pointer went 4, 8, 0 (wrapped at the end of the vocabulary), 4, 8
    assert perturbation._next_refresh == 8


def test_a_row_whose_nearest_neighbour_is_id_0_counts_as_searched():
    # word 2's nearest neighbour is word 0; words 3 and 4 point elsewhere
    weight = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1], [-1.0, 0.2], [-1.0, -0.3]])
    perturbation = WordInterpretableAdversarialPerturbation(
        num_neighbours=1, neighbour_refresh_steps=1
    )
    perturbation.neighbours(weight, torch.tensor([2]), EXCLUDED)
    assert perturbation._neighbours[2, 0] == 0
    moved = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.1], [-1.0, 0.2], [1.0, 0.0]])
    # the next batch holds word 3 only: the refresh (the whole table, one step) searches word 2
    perturbation.neighbours(moved, torch.tensor([3]), EXCLUDED)
    assert perturbation._neighbours[2, 0] == 3
    # and a batch that holds it again does not search it as a new word: with one row refreshed a
    # batch (rows 0, then 1), word 2 keeps the neighbour 0 found first
    slow = WordInterpretableAdversarialPerturbation(num_neighbours=1, neighbour_refresh_steps=5)
    slow.neighbours(weight, torch.tensor([2]), EXCLUDED)
    assert slow.neighbours(moved, torch.tensor([2]), EXCLUDED).tolist() == [[0]]


def test_a_small_vocabulary_limits_the_neighbours_and_a_grown_one_rebuilds_the_table():
    perturbation = WordInterpretableAdversarialPerturbation(
        num_neighbours=10, neighbour_refresh_steps=2
    )
    torch.manual_seed(1)
    small = torch.randn(5, 3)
    # 5 words, minus the word itself and the excluded OOV id: 3 neighbours
    assert perturbation.neighbours(small, torch.tensor([2, 4]), EXCLUDED).shape == (2, 3)
    assert perturbation._neighbours.shape == (5, 3) and perturbation._next_refresh == 3
    grown = torch.randn(7, 3)
    result = perturbation.neighbours(grown, torch.tensor([6]), EXCLUDED)
    # a new table: only word 6 searched (the old rows are gone), the refresh starts at row 0
    assert perturbation._neighbours.shape == (7, 5) and perturbation._next_refresh == 4
    assert torch.equal(
        result, nearest_neighbours(grown, torch.tensor([6]), 5, excluded_ids=EXCLUDED)
    )
    assert (perturbation._neighbours[:6] == -1).all()
    # exactly one neighbour left is enough; none is an error naming the knob
    two = WordInterpretableAdversarialPerturbation(num_neighbours=4)
    assert two.neighbours(torch.randn(3, 2), torch.tensor([2]), EXCLUDED).tolist() == [[0]]
    from allennlp.common.checks import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"has 1 word\(s\) besides padding and OOV"):
        two.neighbours(torch.randn(2, 2), torch.tensor([0]), EXCLUDED)


@pytest.mark.parametrize(
    "knobs,message",
    [
        ({"num_neighbours": 0}, "num_neighbours must be at least 1, got 0"),
        ({"neighbour_refresh_steps": 0}, "neighbour_refresh_steps must be at least 1, got 0"),
    ],
)
def test_knobs_below_one_are_refused(knobs, message):
    from allennlp.common.checks import ConfigurationError

    with pytest.raises(ConfigurationError, match=message):
        WordInterpretableAdversarialPerturbation(**knobs)


def test_defaults_reach_the_perturbation():
    perturbation = WordInterpretableAdversarialPerturbation()
    assert (perturbation.eps, perturbation.weight) == (5.0, 1.0)
    assert (perturbation.num_neighbours, perturbation.neighbour_refresh_steps) == (10, 500)
    assert perturbation._neighbours is None and perturbation._next_refresh == 0
    one = WordInterpretableAdversarialPerturbation(num_neighbours=1, neighbour_refresh_steps=1)
    assert (one.num_neighbours, one.neighbour_refresh_steps) == (1, 1)
