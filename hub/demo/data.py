"""The demo retailer's fixed cast: names, stores, products and what customers say."""

from __future__ import annotations

FIRST_NAMES = [
    "James",
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Lucas",
    "Sophia",
    "Mason",
    "Isabella",
    "Ethan",
    "Mia",
    "Logan",
    "Amelia",
    "Aiden",
    "Harper",
    "Elijah",
    "Evelyn",
    "Oliver",
    "Abigail",
    "Jacob",
    "Emily",
    "Daniel",
    "Ella",
    "Henry",
    "Chloe",
    "Samuel",
    "Grace",
    "Wei",
    "Aisha",
    "Mateo",
    "Fatima",
    "Hiroshi",
    "Priya",
    "Kwame",
    "Ingrid",
    "Diego",
    "Leila",
    "Tomasz",
    "Zara",
    "Rafael",
    "Yuki",
    "Omar",
    "Nadia",
    "Andre",
    "Sofia",
    "Kofi",
    "Ana",
    "Jonas",
    "Mei",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Chen",
    "Okafor",
    "Kowalski",
    "Tanaka",
    "Haddad",
    "Larsen",
    "Silva",
]

# Area codes for fictional 555-01XX numbers (the range reserved for fiction).
AREA_CODES = ("212", "415", "312", "206", "512", "617", "303", "702")

# (code, name, address, timezone, [terminals as (name, role)])
# Every demo store's opening hours (its schedule ``store:<CODE>``, in its time zone):
# the phone says them with a pickup's status ("ready for pickup … until 7 pm").
STORE_HOURS = tuple(
    {"day": day, "open": "10:00", "close": "19:00" if day < 6 else "17:00"} for day in range(7)
)
STORES = (
    (
        "DT1",
        "Downtown flagship",
        "120 Market Street",
        "America/New_York",
        (("Downtown counter iPad", "associate"), ("Downtown POS 1", "pos")),
    ),
    (
        "MALL",
        "Riverside Mall",
        "Riverside Mall, unit 42",
        "America/New_York",
        (("Mall counter iPad", "associate"), ("Mall POS 1", "pos"), ("Mall kiosk", "kiosk")),
    ),
    (
        "AIR",
        "Airport shop",
        "Terminal B, gate 12",
        "America/New_York",
        (("Airport POS", "pos"),),
    ),
)

# (sku, name, unit price in cents)
PRODUCTS = (
    ("RUN-TRL-85", "Trail running shoes", 12900),
    ("RUN-RD-90", "Road running shoes", 11900),
    ("SOCK-MER-3", "Merino socks (3 pack)", 2400),
    ("JKT-RAIN-M", "Packable rain jacket", 8900),
    ("TEE-TECH-M", "Technical T-shirt", 3200),
    ("BAG-DAY-20", "Daypack 20 L", 7400),
    ("BTL-STL-75", "Steel bottle 750 ml", 2900),
    ("CAP-RUN", "Running cap", 2200),
    ("TGT-WIN-S", "Winter tights", 5900),
    ("HDL-USB", "USB head torch", 3900),
    ("GLV-TCH", "Touchscreen gloves", 2700),
    ("WCH-GPS", "GPS sports watch", 24900),
)

AGENTS = (
    ("admin@example.com", "Alex Morgan", "admin"),
    ("sam@example.com", "Sam Rivera", "agent"),
    ("priya@example.com", "Priya Natarajan", "agent"),
)
# Demo only: printed by `hub demo`; change it (or the agents) before any real use.
DEMO_PASSWORD = "demo-password"

WEBCHAT_OPENERS = (
    "Hi! Do you have the {product} in stock in a medium?",
    "Hello, I ordered the {product} last week, any idea when it ships?",
    "Can I return the {product} if I bought it online?",
    "Is the {product} waterproof?",
    "Hi there, my discount code isn't working at checkout.",
    "Do you price match? I saw the {product} cheaper elsewhere.",
)
WEBCHAT_REPLIES = (
    "Hi {first}! Yes, we have it — shall I reserve one at your nearest store?",
    "Thanks for waiting, {first}. It left our warehouse yesterday; you'll get tracking by SMS.",
    "Absolutely — online purchases can be returned in any store within 30 days.",
    "It is water-resistant, with taped seams. Great for rain, not for swimming!",
    "Sorry about that, {first}. I've applied the discount manually to your order.",
    "We do match local stores' prices — send me a link and I'll sort it out.",
)
CUSTOMER_THANKS = (
    "Perfect, thank you!",
    "Great, thanks a lot.",
    "Thanks! That was quick.",
    "Awesome 🙌",
    "OK, I'll come by on Saturday.",
)
SMS_OPENERS = (
    "Hi, my parcel says delivered but I can't find it",
    "Can I change the delivery address for order {order}?",
    "Is my click & collect order ready yet?",
    "Do you open on Sundays?",
    "What time does the {store} store close tonight?",
)
SMS_REPLIES = (
    "Hi {first}, sorry! I've opened a trace with the courier and will text you by tomorrow.",
    "Done — order {order} will now go to the new address.",
    "Yes {first}, it's ready at the {store} store. Bring your order number.",
    "We're open 11am–5pm on Sundays.",
    "The {store} store is open until 9pm tonight.",
)
CALL_TRANSCRIPTS = (
    "Customer asked whether the {product} runs true to size. Agent recommended half a size up.",
    "Customer wanted to know the status of order {order}. Agent confirmed it ships tomorrow.",
    "Customer reported a broken zip on the {product}. Agent offered an exchange in store.",
    "Customer asked about the loyalty programme; agent signed them up over the phone.",
)
VOICEMAILS = (
    "Hi, it's {first}, calling about my order {order}. Please call me back. Thanks.",
    "Hello, this is {first}. I left my jacket in the fitting room yesterday, is it there?",
)
STORE_NOTES = (
    "Tried on two sizes, bought the smaller one.",
    "Asked for a gift receipt.",
    "Loyalty member, prefers texts over calls.",
    "Picked up click & collect order, all items checked.",
    "Interested in the GPS watch; wants a call when the new colour arrives.",
)
