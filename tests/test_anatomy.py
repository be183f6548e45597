import pytest

from mnist_lib.anatomy import final_receptive_field, macs, model_summary, receptive_fields
from mnist_lib.blocks import Ensemble
from mnist_lib.models import build_model, count_parameters, model_names


def table(rows):
    return [(r["size"], r["jump"], r["rf"]) for r in rows]


def test_receptive_fields_of_the_baseline_by_hand():
    # conv3 -> 26 (rf 3), pool2 -> 13 (rf 4, jump 2), conv3 -> 11 (rf 4 + 2*2 = 8),
    # pool2 -> 5 (rf 10, jump 4), linear over 5x5 (rf 10 + 4*4 = 26), linear (unchanged)
    assert table(receptive_fields(build_model("Model_1"))) == [
        (26, 1, 3), (13, 2, 4), (11, 2, 8), (5, 4, 10), (1, 4, 26), (1, 4, 26)]


def test_receptive_fields_of_the_final_model_by_hand():
    # conv -> 26 (3), conv -> 24 (5), pool -> 12 (6, jump 2), 1x1 (6), conv -> 10 (6 + 2*2 = 10),
    # conv -> 8 (14), conv -> 6 (18), GAP over 6x6 (18 + 5*2 = 28, jump 12), 1x1 (28)
    assert table(receptive_fields(build_model("Model_4"))) == [
        (26, 1, 3), (24, 1, 5), (12, 2, 6), (12, 2, 6), (10, 2, 10), (8, 2, 14), (6, 2, 18), (1, 12, 28), (1, 12, 28)]


def test_receptive_fields_of_the_conv_head_model_by_hand():
    # conv -> 26 (3), 24 (5), 22 (7); pool -> 11 (8, jump 2); 1x1 (8); conv -> 9 (12), 7 (16);
    # head conv -> 5 (20); GAP over 5x5 (20 + 4*2 = 28, jump 10)
    assert table(receptive_fields(build_model("Model_5"))) == [
        (26, 1, 3), (24, 1, 5), (22, 1, 7), (11, 2, 8), (11, 2, 8), (9, 2, 12), (7, 2, 16), (5, 2, 20), (1, 10, 28)]


def test_receptive_fields_of_the_shared_block_model_by_hand():
    # Small_I: conv -> 26 (3), separable -> 24 (5), 22 (7); pool -> 11 (8, jump 2); separable -> 9 (12);
    # the padded shared convolution twice, 9 -> 9 (16, 20); head -> 7 (24); GAP over 7x7 (24 + 6*2 = 36, jump 14)
    assert [row["rf"] for row in receptive_fields(build_model("Small_I")) if row["kernel"] > 1] == [
        3, 5, 7, 8, 12, 16, 20, 24, 36]


def test_receptive_fields_of_the_deeper_small_model_by_hand():
    # Small_K: conv -> 26 (3), separable -> 24 (5), 22 (7), 20 (9); pool -> 10 (10, jump 2); separable -> 8 (14),
    # 6 (18); head -> 4 (22); GAP over 4x4 (22 + 3*2 = 28, jump 8)
    assert [row["rf"] for row in receptive_fields(build_model("Small_K")) if row["kernel"] > 1] == [
        3, 5, 7, 9, 10, 14, 18, 22, 28]


def test_every_convolutional_model_sees_the_whole_digit():
    # Padded convolutions reach past the border, so a receptive field may exceed the 28 pixels of the image:
    # the ghost and shared blocks' padded filters, and the peers that pad (A 32, B 30, D 32; C and E end at 28).
    assert all(final_receptive_field(build_model(n)) >= 28 for n in model_names()[1:])
    assert [n for n in model_names()[1:] if final_receptive_field(build_model(n)) > 28] == [
        "Small_G", "Small_H", "Small_I", "Small_J", "Peer_A", "Peer_B", "Peer_D"]
    assert {n: final_receptive_field(build_model(n)) for n in model_names() if n.startswith("Peer_")} == {
        "Peer_A": 32, "Peer_B": 30, "Peer_C": 28, "Peer_D": 32, "Peer_E": 28}


def test_receptive_fields_of_peer_a_by_hand():
    # padded conv -> 28 (3), 28 (5); pool -> 14 (6, jump 2); 1x1 (6); conv -> 12 (10), 10 (14), 8 (18), 6 (22);
    # average pool over 6x6 (22 + 5*2 = 32, jump 12); 1x1 (32)
    assert table(receptive_fields(build_model("Peer_A"))) == [
        (28, 1, 3), (28, 1, 5), (14, 2, 6), (14, 2, 6), (12, 2, 10), (10, 2, 14), (8, 2, 18), (6, 2, 22),
        (1, 12, 32), (1, 12, 32)]


def test_summary_agrees_with_the_parameter_count():
    model = build_model("Model_4")
    assert model_summary(model).trainable_params == count_parameters(model)


def test_macs_of_the_final_model_by_hand():
    # output pixels x kernel taps x channel pairs, per convolution; torchinfo adds a few for biases and norms
    convs = 26 * 26 * 9 * 8 + 24 * 24 * 9 * 8 * 16 + 12 * 12 * 16 * 10 + 10 * 10 * 9 * 10 * 16 \
        + 8 * 8 * 9 * 16 * 16 + 6 * 6 * 9 * 16 * 16 + 16 * 10
    assert convs <= macs(build_model("Model_4")) <= convs + 200



def test_the_summary_prints_its_multiply_adds_in_full():
    text = str(model_summary(build_model("Model_6")))
    assert f"Total mult-adds: {macs(build_model('Model_6')):,}" in text and "Total mult-adds (M)" not in text


def test_an_ensemble_sees_the_image_as_one_of_its_members():
    pair, member = build_model("Pair_C"), build_model("Small_C")
    assert table(receptive_fields(pair)) == table(receptive_fields(member))
    assert macs(pair) == 2 * macs(member)
    with pytest.raises(ValueError, match="differ in layout"):
        receptive_fields(Ensemble([member, build_model("Small_A")]))
