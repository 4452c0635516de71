"""Card markdown to safe HTML fragments or plain text: the renderer, the sanitizer, media references."""
