{#- Names as the registers spell them, made comparable: spaces removed (also the ideographic
    space and no-break space, inside the name too, as in 「李 诺海」), full-width letters, digits and
    signs as half-width, 〇 / ○ / 零 as one character, and the middle-dot variants of minority
    names (·, •, ‧, ・) as one. Used on both sides of a name match; the method is recorded. -#}

{% macro normalized_name(expr) -%}
    nullif(translate(
        replace(replace(replace(replace(trim({{ expr }}), ' ', ''), {{ char_literal(12288) }}, ''), {{ char_literal(160) }}, ''), {{ char_literal(9) }}, ''),
        '！＂＄＆（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｜～〇○零•‧・',
        '!"$&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz|~〇〇〇···'
    ), '')
{%- endmacro %}
