"""Parameter profiles and their validation."""

import pytest

from vmspec.model import MIN_NOTICE, PROFILES, InvalidParams, Params, profile


def test_default_follows_the_2017_seed():
    p = Params()
    assert (p.pause_bound, p.freeze_slice, p.min_notice, p.resync_latency) == (30, "update_domain", 900, 5)


@pytest.mark.parametrize(
    "name, typical, slice_",
    [("azure-2017", 30, "update_domain"), ("typical-2026", 10, "fault_domain"), ("live-migration", 5, "vm")],
)
def test_profiles_follow_documentation_generations(name, typical, slice_):
    p = profile(name)
    # R2, R31: the hard bound is 30 s in every generation; the typical one is the generation's figure
    assert (p.pause_bound, p.typical_bound, p.freeze_slice) == (30, typical, slice_)
    # research 1.5: reboot maintenance goes one update domain at a time in every generation
    assert [p.slice_for(t) for t in ("Freeze", "Reboot", "Redeploy")] == [slice_, "update_domain", "update_domain"]


def test_the_earlier_name_slice_is_read_as_freeze_slice():
    assert profile("azure-2017", slice="fault_domain").freeze_slice == "fault_domain"
    with pytest.raises(InvalidParams, match="not both"):
        profile("azure-2017", slice="vm", freeze_slice="vm")


def test_notice_per_event_type_and_dev_timing():
    assert [Params().notice_for(t) for t in ("Freeze", "Reboot", "Redeploy")] == [900, 900, 600]
    dev = profile("dev-timing")
    assert [dev.notice_for(t) for t in ("Freeze", "Reboot", "Redeploy")] == [30, 30, 20]
    assert MIN_NOTICE["Redeploy"] == 600


def test_short_notice_is_a_soft_exception():
    assert Params().required_notice("Freeze") == 900
    assert profile("short-notice").required_notice("Freeze") == 30


def test_profile_overrides_and_unknown_profile():
    assert profile("azure-2017", pause_bound=20).pause_bound == 20
    with pytest.raises(InvalidParams, match="unknown profile 'nope'"):
        profile("nope")
    assert set(PROFILES) >= {"azure-2017", "typical-2026", "live-migration", "short-notice", "dev-timing"}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(freeze_slice="rack"), "freeze_slice must be one of"),
        (dict(granularity=0), "granularity must be a positive"),
        (dict(pause_bound=-1), "pause_bound must be a whole number"),
        (dict(pause_bound=5, granularity=10), "must be at least one granularity step"),
        (dict(resync_latency=-2), "resync_latency must be"),
        (dict(expected_pause=-5), "expected_pause must be -1"),
        (dict(notice_divisor=0), "notice_divisor must be"),
        (dict(notice_divisor=901), "notice_divisor must be at most 900"),
    ],
)
def test_invalid_params(kwargs, message):
    with pytest.raises(InvalidParams, match=message):
        Params(**kwargs)
