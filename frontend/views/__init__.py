"""The portal pages, one module per part of the site; each view validates, calls, renders."""
