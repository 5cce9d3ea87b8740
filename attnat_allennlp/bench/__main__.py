"""`python -m attnat_allennlp.bench`: the cost of each technique against vanilla on Jain & Wallace's
BiLSTM model (`bench/techniques.py`, what `make bench` runs first)."""

from attnat_allennlp.bench.techniques import main

if __name__ == "__main__":
    main()
