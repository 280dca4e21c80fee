"""The served graph's word-embedding table in float16: same lookups, half the bytes."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

from index.model.onnx import halve_word_embeddings


def tiny_encoder() -> onnx.ModelProto:
    """input_ids -> Gather(table) -> MatMul(projection) -> output: a table much larger
    than the other weight, as in e5."""
    rng = np.random.default_rng(4)
    table = numpy_helper.from_array(rng.normal(size=(500, 8)).astype(np.float32), "table")
    projection = numpy_helper.from_array(rng.normal(size=(8, 3)).astype(np.float32), "proj")
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["looked_up"], name="lookup"),
        helper.make_node("MatMul", ["looked_up", "proj"], ["out"], name="project"),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "t"])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["b", "t", 3])],
        initializer=[table, projection],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run(model: onnx.ModelProto, ids: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"input_ids": ids})[0]


def test_the_table_is_float16_and_the_lookups_agree_with_float32():
    ids = np.array([[0, 7, 499, 7], [3, 2, 1, 0]], dtype=np.int64)
    float32 = tiny_encoder()
    want = run(float32, ids)
    halved = halve_word_embeddings(tiny_encoder())
    tables = {t.name: t for t in halved.graph.initializer}
    assert tables["table"].data_type == TensorProto.FLOAT16
    assert tables["proj"].data_type == TensorProto.FLOAT  # only the table
    assert len(halved.SerializeToString()) < 0.6 * len(float32.SerializeToString())
    got = run(halved, ids)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3)
    assert [n.op_type for n in halved.graph.node] == ["Gather", "Cast", "MatMul"]
