"""Category suggestion (智能分类): a small linear model over jieba words and character bigrams,
trained by us from the shipped corpus and from each community's closed cases.

``model.py`` holds the model (features, training, the versioned file, top-k), ``corpus.py``
generates the shipped training corpus, ``services.py`` answers "which categories?" for intake
and keeps the trained versions (``SuggestModel`` rows). See ``docs/suggest.md``.
"""
