/*
 * font.h
 *	  A 5 x 7 bitmap font for the labels of pictures: digits, lower-case
 *	  letters and a little punctuation (font.c).
 */
#ifndef HACK_CORE_FONT_H
#define HACK_CORE_FONT_H

#include <stdbool.h>
#include <stdint.h>

#include "canvas.h"

#define HACK_FONT_WIDTH 5
#define HACK_FONT_HEIGHT 7
#define HACK_FONT_ADVANCE 6		/* a glyph and one pixel of space */

extern bool hack_font_has(char ch);
extern bool hack_font_bit(char ch, int row, int col);
extern int	hack_font_text_width(const char *text, int scale);
extern void hack_font_draw(HackCanvas *c, int x, int y, const char *text, int scale,
						   const uint8_t *col);

#endif							/* HACK_CORE_FONT_H */
