"""Official documents out of the processes (issue 15): .docx templates versioned with the
process, rendered in the background for an instance in the Nghị định 30/2020 format,
their SHA-256 in the audit log, and a PDF through LibreOffice.

`request_document` (the service operation `render_document` a BPMN calls) is how any
process asks for one; see engine/documents/service.py.
"""
