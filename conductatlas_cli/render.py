"""Change list → rich / plain / markdown / json. (Contract stub: to be implemented.)"""
