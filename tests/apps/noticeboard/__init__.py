"""A notice board, plugged into Ouvert purely by registration (the acceptance test of issue 13).

An organisation pins bulletins on its datasets' pages. The app declares its model, its permission
rules (``permissions.py``), a moderated type, a followable kind, a panel on the dataset page and a
periodic task (``tasks.py``), all from ``NoticeboardConfig.ready()``; nothing outside this
directory names it. Its tests (``tests/``) show each working.
"""
