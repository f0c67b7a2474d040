"""Prints kitchen chits to a network printer with python-escpos, as a POS would.

Usage: print_chits.py HOST PORT SCENARIO

The layouts are written for Rail's tests in the style of three families of POS
kitchen chits; none is a capture of a real product:

- "banner": a big station banner, check and table on one line, items in double
  height with their quantity first ("2 BURGER"), modifiers indented in capitals.
  Typical of the older hospitality POSes (Aloha, Micros and their clones).
- "card": "Order #58" with the order type and server on their own lines, "1x" item
  lines in bold, "-" and "+" modifiers, "Note:" and "ALLERGY:" lines, course
  separators. Typical of the cloud POSes (Toast, Square, Clover, Lightspeed).
- "receipt": a receipt-like chit with a price column ("2  Fries    7.00") and
  "Burger x2" lines, as open-source POSes (Floreant, SambaPOS, Odoo) print.

Scenarios print one or more chits; every one carries things a decoder must skip: a
logo (raster image), a barcode or a QR code, a buzzer.
"""

import sys

from PIL import Image
from escpos.printer import Network


def logo():
    """A small black-and-white logo, so raster data crosses the wire."""
    image = Image.new("1", (96, 48), 1)
    for x in range(96):
        for y in range(48):
            if (x // 8 + y // 8) % 2 == 0:
                image.putpixel((x, y), 0)
    return image


def banner(p, number, table):
    p.set(align="center", double_height=True, double_width=True, bold=True)
    p.textln("GRILL")
    p.set(normal_textsize=True, align="left", bold=False)
    p.textln(f"Chk {number}   Tbl {table}")
    p.textln("Srv: MARIA      12:41")
    p.textln("-" * 32)
    p.set(double_height=True, bold=True)
    p.textln("2 BURGER")
    p.set(normal_textsize=True, bold=False)
    p.textln("   NO ONION")
    p.textln("   ADD BACON")
    p.set(double_height=True, bold=True)
    p.textln("1 RIBEYE")
    p.set(normal_textsize=True, bold=False)
    p.textln("   MEDIUM RARE")
    p.textln("-" * 32)
    p.barcode(f"{int(number):012d}", "EAN13", function_type="A")


def card(p, number):
    p.image(logo())
    p.set(align="left", double_height=True, bold=True)
    p.textln(f"Order #{number}")
    p.set(normal_textsize=True, bold=False)
    p.textln("Dine In")
    p.textln("Table: 7")
    p.textln("Server: Ben")
    p.textln("-- Starters --")
    p.set(bold=True)
    p.textln("1x Crème brûlée tartlet")
    p.set(bold=False)
    p.textln("-- Mains --")
    p.set(bold=True)
    p.textln("1x Caesar Salad")
    p.set(bold=False)
    p.textln("- add chicken")
    p.textln("+ extra parmesan")
    p.textln("Note: dressing on the side")
    p.textln("ALLERGY: anchovy")
    p.qr(f"https://example.invalid/orders/{number}", size=4)
    p.buzzer(1, 1)


def receipt(p, number):
    p.set(align="center")
    p.textln("Café Rail")
    p.set(align="left")
    p.textln(f"Ticket No: {number}")
    p.textln("Table: 3  Waiter: Carla")
    p.textln("=" * 32)
    p.textln("2  Fries            7.00")
    p.textln("Burger x2")
    p.textln("   no pickles")
    p.textln("=" * 32)
    p.textln("Total             31.00")


def void(p, number):
    p.set(double_height=True, bold=True)
    p.textln("*** VOID ***")
    p.set(normal_textsize=True, bold=False)
    p.textln(f"Chk {number}   Tbl 12")
    p.set(double_height=True, bold=True)
    p.textln("1 RIBEYE")
    p.set(normal_textsize=True, bold=False)


def add_on(p, number):
    p.set(double_height=True, bold=True)
    p.textln("** ADD-ON **")
    p.set(normal_textsize=True, bold=False)
    p.textln(f"Order #{number}")
    p.set(bold=True)
    p.textln("2x Lemonade")
    p.set(bold=False)


def main():
    host, port, scenario = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    p = Network(host, port=port, timeout=10)
    p.open()
    if scenario == "service":
        # Three chits on one connection; the last one is never cut.
        banner(p, "1042", "12")
        p.cut()
        card(p, "58")
        p.cut()
        receipt(p, "77")
    elif scenario == "reprint":
        p.textln("REPRINT")
        banner(p, "1042", "12")
        p.cut()
    elif scenario == "again":
        # The same chit sent twice, as a POS retrying after a dropped connection.
        banner(p, "1042", "12")
        p.cut()
    elif scenario == "void":
        void(p, "1042")
        p.cut()
    elif scenario == "add-on":
        add_on(p, "58")
        p.cut()
    elif scenario == "status-first":
        # Like POSes that refuse to print to a printer that is offline or out of paper.
        if not p.is_online():
            sys.exit("the printer says it is offline")
        if p.paper_status() != 2:
            sys.exit("the printer says it is out of paper")
        p.textln("Order #90")
        p.set(double_height=True)
        p.textln("3 Espresso")
        p.set(normal_textsize=True)
        p.cut()
    else:
        sys.exit(f"unknown scenario {scenario}")
    p.close()


if __name__ == "__main__":
    main()
