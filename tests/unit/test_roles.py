"""One definition of an agency's role in a passage, read by filters, counts and lists."""

from index.roles import RoleTable


def test_role_of_is_lead_cooperating_or_none(passages):
    passage = next(p for p in passages if p.lead_agencies and p.cooperating_agencies)
    assert passage.role_of(passage.lead_agencies[0].id) == "lead"
    assert passage.role_of(passage.cooperating_agencies[0].id) == "cooperating"
    assert passage.role_of("no-such-agency") is None


def test_masks_follow_role_of(passages):
    table = RoleTable.from_passages(passages)
    for agency_id in table.masks:
        for role in ("lead", "cooperating"):
            expected = [p.role_of(agency_id) == role for p in passages]
            assert table.mask(agency_id, role).tolist() == expected
        any_role = [p.role_of(agency_id) is not None for p in passages]
        assert table.mask(agency_id, "any").tolist() == any_role


def test_counts_are_the_mask_sizes(passages):
    table = RoleTable.from_passages(passages)
    assert table.masks, "the slice names agencies"
    for agency_id in table.masks:
        lead, coop = table.counts(agency_id)
        assert lead == int(table.mask(agency_id, "lead").sum())
        assert coop == int(table.mask(agency_id, "cooperating").sum())


def test_unknown_agency_has_no_passages(passages):
    table = RoleTable.from_passages(passages)
    assert not table.mask("nobody").any()
    assert table.counts("nobody") == (0, 0)
    assert table.obligations("nobody") == []


def test_obligations_in_plan_order_with_role(passages):
    table = RoleTable.from_passages(passages)
    agency_id = max(table.masks, key=lambda a: sum(table.counts(a)))
    found = table.obligations(agency_id)
    positions = [i for _, i in found]
    assert positions == sorted(positions) and len(positions) == sum(table.counts(agency_id))
    assert all(passages[i].role_of(agency_id) == role for role, i in found)
    assert all(role == "lead" for role, _ in table.obligations(agency_id, "lead"))
