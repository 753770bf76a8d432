"""GS1 EPCIS 2.0: capture standard event documents, export and query them.

The official JSON Schema (``schema/EPCIS-JSON-Schema.json``, with GS1's licence beside it)
validates every document in and out; event hash IDs come from GS1's reference
implementation (``epcis-event-hash-generator``), run without network access.
"""
