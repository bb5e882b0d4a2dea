"""How an instance's state is stored: its JSON, zlib-compressed with a preset dictionary.

A state is SpiffWorkflow's serialization (engine/bpmn/state.py): the same keys on every
task, and the settings a start copies into the instance (`config`), twice. zlib alone
makes a finished linear3 state (8.5 KB) 1.7 KB; primed with a dictionary of those keys
(`_V1`: SpiffWorkflow's structure, the engine's data keys, the settings' names — never
their values, which belong to each installation) 1.3 KB, so five instance rows fit in a
PostgreSQL page instead of four (bench/state_codec.py measures both).

A zlib stream names the dictionary it needs (its Adler-32, in the header): every
dictionary ever used stays in `DICTIONARIES`, unchanged, or the rows written with it can
no longer be read (tests/engine/test_state_storage.py pins `_V1`'s checksum). To improve
the dictionary, add a new one and make it `CURRENT`. Streams without a dictionary (the
0019 migration's, or any plain zlib) are read too.
"""

import zlib

# Measured (bench/state_codec.py): level 6 costs ~0.05 ms on a linear3 state and 0.18 ms
# on press_statement's (22 KB); level 1 half that for 10 % more bytes; 9 gains nothing.
LEVEL = 6

_SETTINGS = (  # data/rules/settings.yaml's keys when _V1 was made (frozen)
    "doc_dispatch_due",
    "doc_step_due",
    "doc_urgent_dispatch_due",
    "doc_urgent_step_due",
    "document_symbols",
    "p1_authorisation_publish_due",
    "p1_citizen_issue_due",
    "p1_correction_watch_online",
    "p1_correction_watch_print",
    "p1_escalate_before",
    "p1_initial_info_due",
    "p1_press_question_due",
    "p2_initial_info_due",
    "p2_reminder_1",
    "p2_reminder_2",
    "p3_addendum_period",
    "p3_deadline_day",
    "p3_deadline_inclusive",
    "p3_grace_period",
    "p3_reminder_1",
    "p3_reminder_2",
    "p4_check_due",
    "p4_completion_wait",
    "p4_in_person_complex_due",
    "p4_in_person_extension",
    "p4_in_person_simple_due",
    "p4_online_complex_due",
    "p4_online_complex_notice_due",
    "p4_online_extension",
    "p4_online_simple_due",
    "p4_post_complex_due",
    "p4_post_complex_notice_due",
    "p4_post_extension",
    "p4_post_simple_due",
    "p5_fake_news_fine",
    "p5_platform_removal_due",
    "p5_scan_time",
    "press_authority",
    "reminder_offsets",
)
# What comes last in a dictionary is the cheapest to refer to: the most frequent last.
_V1 = (
    '"config": {'
    + ", ".join(f'"{key}": "' for key in _SETTINGS)
    + '}"reporting_units": [{"code": "", "name": ""}], "instance_unit": "", "initiator": "",'
    ' "started_from": {"data": {}, "correlations": {}, "last_task": "", "success": true,'
    ' "completed": false, "tasks": {"": , "root": "", "subprocesses": {}, "bpmn_events": [],'
    ' "typename": "BpmnWorkflow", "format": "policyflow-state/1"}{"id": "", "parent": "",'
    ' "children": [""], "last_state_change": 1796500000.0, "state": 64, "task_spec": "",'
    ' "triggered": false, "internal_data": {}, "data": {}, "delta": {"updates": {},'
    ' "deletions": []}, "typename": "Task"}, "'
).encode()

DICTIONARIES = {zlib.adler32(d): d for d in (_V1,)}
CURRENT = _V1


def pack(text: str) -> bytes:
    compressor = zlib.compressobj(LEVEL, zdict=CURRENT)
    return compressor.compress(text.encode("utf-8")) + compressor.flush()


def unpack(data: bytes) -> str:
    if len(data) >= 6 and data[1] & 0x20:  # FDICT: a dictionary id follows the header
        zdict = DICTIONARIES.get(int.from_bytes(data[2:6], "big"))
        if zdict is None:
            raise ValueError("state compressed with an unknown dictionary")
        decompressor = zlib.decompressobj(zdict=zdict)
        raw = decompressor.decompress(data) + decompressor.flush()
    else:
        raw = zlib.decompress(data)
    return raw.decode("utf-8")
