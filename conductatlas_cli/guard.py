"""Is an extraction the document? (Contract stub: to be implemented.)"""
