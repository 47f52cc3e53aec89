# Clustered bars: ublk-server IOPS as a fraction of the kernel's own driver.
set terminal pngcairo size 1100,500 noenhanced
set output "ratio.png"
set title "ublk-server IOPS / kernel driver IOPS (null: null_blk, loop: loop with direct IO)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set yrange [0:*]
set ylabel "ratio"
set grid ytics
set xtics rotate by -30
set key outside right top
set datafile missing "NaN"
plot "ratio.dat" using 2:xtic(1) title columnhead(2), \
     "" using 3 title columnhead(3), \
     "" using 4 title columnhead(4), \
     "" using 5 title columnhead(5)
