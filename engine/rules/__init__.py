"""Rules the models rely on: form validation (`forms.py`), due dates (`due.py`) over
the working-day calendar (`calendar.py`), and service-task operations (`services.py`)."""
