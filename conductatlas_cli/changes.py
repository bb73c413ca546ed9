"""Two texts → a structured change list. (Contract stub: to be implemented.)"""
