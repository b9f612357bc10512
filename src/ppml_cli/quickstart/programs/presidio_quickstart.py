"""De-identify text with Presidio's anonymizer: replace, mask and reversibly encrypt PII.

Presidio's analyzer finds PII with spaCy NLP models installed separately; to stay
offline, this program finds the spans with two regular expressions and hands
them to the anonymizer, which is what the analyzer's results feed in practice.
CPU only, a second.
"""

import re

from presidio_anonymizer import AnonymizerEngine, DeanonymizeEngine, OperatorConfig, RecognizerResult

text = "Patient Jane Doe (jane.doe@example.org) called on 2024-03-02; card 4111 1111 1111 1111 was charged."

# Stand-in for the analyzer: (entity type, pattern, confidence score).
patterns = [
    ("PERSON", r"Jane Doe", 0.85),
    ("EMAIL_ADDRESS", r"[\w.]+@[\w.]+\.\w+", 1.0),
    ("CREDIT_CARD", r"\b(?:\d{4} ){3}\d{4}\b", 1.0),
]
findings = [
    RecognizerResult(entity_type=kind, start=m.start(), end=m.end(), score=score)
    for kind, pattern, score in patterns
    for m in re.finditer(pattern, text)
]

key = "WmZq4t7w!z%C&F)J"  # 128-bit AES key (an example: keep real keys in a secret store)
operators = {
    "PERSON": OperatorConfig("encrypt", {"key": key}),  # reversible for whoever holds the key
    "EMAIL_ADDRESS": OperatorConfig("replace", {"new_value": "<EMAIL>"}),
    "CREDIT_CARD": OperatorConfig("mask", {"masking_char": "*", "chars_to_mask": 14, "from_end": False}),
}

anonymized = AnonymizerEngine().anonymize(text=text, analyzer_results=findings, operators=operators)
print("original:  ", text)
print("anonymized:", anonymized.text)

# The encrypted name can be restored with the key; the replaced and masked parts cannot.
restored = DeanonymizeEngine().deanonymize(
    text=anonymized.text,
    entities=[item for item in anonymized.items if item.operator == "encrypt"],
    operators={"DEFAULT": OperatorConfig("decrypt", {"key": key})},
)
print("decrypted: ", restored.text)
