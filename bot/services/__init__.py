"""Use cases over the store and the content: no Discord here, and "now" comes from a Clock."""
