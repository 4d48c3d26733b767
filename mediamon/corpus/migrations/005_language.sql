-- The language of each document's text and why `tag` left a document untagged.
-- `language` is now detected from the text (documents/language.py), not taken from the page's
-- metadata: an html lang attribute is often missing or wrong (`en` on German pages).
--   language             ISO 639-1 code (639-3 where a language has none); NULL: undetermined
--                        or not detected yet
--   language_source      text (detected from the text), declared (the text was too short or
--                        too mixed to tell; what the page or record declared was taken),
--                        undetermined (neither); NULL: not detected yet (`tag` detects it)
--   language_confidence  the detector's probability for its answer (0..1)
--   language_declared    what the page (html lang, meta tags) or the ingested record said
--   nlp_skipped          why `tag` did not tag the document, e.g. 'language:de' (no pipeline
--                        for German); NULL when tagged or not processed yet
ALTER TABLE documents ADD COLUMN language_source VARCHAR;
ALTER TABLE documents ADD COLUMN language_confidence DOUBLE;
ALTER TABLE documents ADD COLUMN language_declared VARCHAR;
ALTER TABLE documents ADD COLUMN nlp_skipped VARCHAR;

-- What earlier versions stored as `language` was the page's declaration: it is kept as such,
-- and the next `mediamon tag` detects the language of these documents from their text.
UPDATE documents SET language_declared = language, language = NULL WHERE language IS NOT NULL;
