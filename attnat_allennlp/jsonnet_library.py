"""
The old path of `attnat_allennlp.compat.jsonnet_library`, kept for the documented command

    python -m attnat_allennlp.jsonnet_library    # prints the technique library's folder

Importing it installs nothing.
"""

from attnat_allennlp.compat.jsonnet_library import LIBRARY, install  # noqa: F401

if __name__ == "__main__":
    print(LIBRARY)
