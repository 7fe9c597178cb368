"""Sign-in and API tokens: knox tokens and the login lock-out (django-axes), with their schema."""
