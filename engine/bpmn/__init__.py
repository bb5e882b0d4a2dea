"""BPMN files and SpiffWorkflow: safe XML (`xml_safety.py`), parsing and spec caching
(`specs.py`), what the engine reads from an element (`model_info.py`), workflow state
without specs (`state.py`), the library's clock and ids (`library_hooks.py`), cutting
finished loop history (`pruning.py`), diffing versions (`diff.py`), re-pointing a live
workflow at another version's specs (`remap.py`), and deploy-time checks (`validation/`)."""
