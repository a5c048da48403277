"""Domain rules that own no tables: business-hours arithmetic (``hours``), the details
customers mention in what they write (``mentions``), canned responses' placeholders
(``canned``) and the limits on texts a stranger can make the hub send
(``sms_limits``). Actions, queries, policies and connectors use them; they use only
the kernel (``hub.core``, ``hub.errors``, ``hub.models``)."""
